"""Public mail domains: anyone can have an address there, so an organization can never verify one (whoever holds
gmail.com would be offered to every Gmail user). A list, not a service: it errs on refusing too much."""

from __future__ import annotations

PUBLIC = frozenset({
    # Google, Microsoft, Apple, Yahoo, AOL
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "passport.com",
    "icloud.com", "me.com", "mac.com", "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "aim.com",
    # Privacy-minded and independent providers
    "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tutanota.de", "tuta.io", "tuta.com",
    "mailbox.org", "posteo.de", "posteo.net", "fastmail.com", "fastmail.fm", "hey.com", "hushmail.com",
    "runbox.com", "disroot.org", "riseup.net", "startmail.com",
    # Large regional providers
    "mail.com", "email.com", "usa.com", "zoho.com", "zohomail.com", "zohomail.eu", "web.de", "t-online.de",
    "freenet.de", "arcor.de", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "libero.it",
    "virgilio.it", "tiscali.it", "seznam.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "mail.ru", "bk.ru",
    "inbox.ru", "list.ru", "rambler.ru", "ya.ru", "ukr.net", "qq.com", "163.com", "126.com", "yeah.net",
    "sina.com", "sohu.com", "aliyun.com", "naver.com", "daum.net", "hanmail.net", "rediffmail.com",
    "uol.com.br", "bol.com.br", "terra.com.br", "comcast.net", "verizon.net", "att.net", "sbcglobal.net",
    "btinternet.com", "sky.com", "virginmedia.com", "ntlworld.com", "bigpond.com", "shaw.ca", "rogers.com",
    "gmx.com", "gmx.net", "yandex.com", "inbox.lv", "abv.bg",
})

# Providers with an address under many country domains (gmx.de, yandex.com.tr, yahoo.co.uk, hotmail.fr...): the
# name followed by a country code, or by co./com./ne./or. and one.
FAMILIES = frozenset({"gmx", "yandex", "yahoo", "hotmail", "outlook", "live", "aol", "windowslive", "zoho"})
_SECOND_LEVEL = frozenset({"co", "com", "ne", "or", "net", "org"})
_TOP_LEVEL = frozenset({"com", "net", "org"})


def is_public(domain: str) -> bool:
    """Whether `domain` (lower-case A-labels) is a public mail provider's."""
    if domain in PUBLIC:
        return True
    name, _, rest = domain.partition(".")
    if name not in FAMILIES:
        return False
    labels = rest.split(".")
    if len(labels) == 1:
        return labels[0] in _TOP_LEVEL or len(labels[0]) == 2
    return len(labels) == 2 and labels[0] in _SECOND_LEVEL and len(labels[1]) == 2
