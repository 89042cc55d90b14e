// Resonance passkeys: the browser half of WebAuthn. The server's options (JSON, binary fields as base64url) become
// the ArrayBuffers navigator.credentials wants; the credential comes back as JSON (binary fields as base64url).
// Loaded by the sign-in, two-step and account pages; Reflex calls it with
// rx.call_script("window.resonancePasskeys.create(…)" / ".get(…)", callback=…): the answer is
// {credential: {...}} or {error: "<DOMException name>"}, never a rejected promise.
(function () {
  "use strict";
  if (window.resonancePasskeys) return;

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    let binary = "";
    new Uint8Array(buffer).forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map((d) => ({ ...d, id: toBytes(d.id) }));
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }

  function failure(error) {
    return { error: (error && error.name) || "UnknownError" };
  }

  function common(credential, response) {
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: response,
    };
  }

  async function create(optionsJson) {
    if (!supported()) return { error: "NotSupportedError" };
    const options = JSON.parse(optionsJson);
    options.challenge = toBytes(options.challenge);
    options.user = { ...options.user, id: toBytes(options.user.id) };
    options.excludeCredentials = descriptors(options.excludeCredentials);
    try {
      const credential = await navigator.credentials.create({ publicKey: options });
      const r = credential.response;
      return {
        credential: common(credential, {
          clientDataJSON: toText(r.clientDataJSON),
          attestationObject: toText(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : [],
        }),
      };
    } catch (error) {
      return failure(error);
    }
  }

  async function get(optionsJson) {
    if (!supported()) return { error: "NotSupportedError" };
    const options = JSON.parse(optionsJson);
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    try {
      const credential = await navigator.credentials.get({ publicKey: options });
      const r = credential.response;
      return {
        credential: common(credential, {
          clientDataJSON: toText(r.clientDataJSON),
          authenticatorData: toText(r.authenticatorData),
          signature: toText(r.signature),
          userHandle: toText(r.userHandle),
        }),
      };
    } catch (error) {
      return failure(error);
    }
  }

  window.resonancePasskeys = { create, get, supported };
})();
