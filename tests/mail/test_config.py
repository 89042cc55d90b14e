"""SMTP settings are validated at start with a message naming the variable."""

from __future__ import annotations

import pytest

from resonance.core.errors import ConfigError


def test_nothing_configured_means_no_smtp(configure):
    settings = configure()
    assert not settings.smtp_enabled and settings.SMTP_SECURITY == "starttls"


@pytest.mark.parametrize("security, port", [("none", 25), ("starttls", 587), ("tls", 465)])
def test_port_zero_uses_the_modes_usual_port(configure, security, port):
    assert configure(SMTP_HOST="smtp.example.com", SMTP_SECURITY=security).smtp_port == port
    assert configure(SMTP_HOST="smtp.example.com", SMTP_SECURITY=security, SMTP_PORT=2525).smtp_port == 2525


@pytest.mark.parametrize("values, message", [
    ({"SMTP_HOST": "smtp.example.com", "SMTP_USER": "me"},
     "RESONANCE_SMTP_USER and RESONANCE_SMTP_PASSWORD must be set together"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_PASSWORD": "pw"},
     "RESONANCE_SMTP_USER and RESONANCE_SMTP_PASSWORD must be set together"),
    ({"SMTP_USER": "me", "SMTP_PASSWORD": "pw"},
     "RESONANCE_SMTP_USER, RESONANCE_SMTP_PASSWORD set but RESONANCE_SMTP_HOST is empty"),
    ({"SMTP_HOST": "smtp://smtp.example.com"}, "RESONANCE_SMTP_HOST must be a bare host name"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_SECURITY": "ssl"}, "RESONANCE_SMTP_SECURITY: Input should be 'none', "
                                                                 "'starttls' or 'tls'"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "70000"}, "RESONANCE_SMTP_PORT"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_TIMEOUT_SECONDS": "0"}, "RESONANCE_SMTP_TIMEOUT_SECONDS"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_CA_FILE": "/nonexistent/ca.pem"},
     "RESONANCE_SMTP_CA_FILE: no such file '/nonexistent/ca.pem'"),
    ({"SMTP_HOST": "smtp.example.com", "MAIL_FROM": "Resonance"}, "RESONANCE_MAIL_FROM must hold an email address"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_VERIFY_TLS": "false", "ENV": "production"},
     "RESONANCE_SMTP_VERIFY_TLS=false is for development only"),
])
def test_bad_smtp_settings_name_the_variable(configure, values, message):
    with pytest.raises(ConfigError) as error:
        configure(**values)
    assert message in str(error.value)


def test_a_complete_configuration_is_accepted(configure, certificates):
    settings = configure(SMTP_HOST=" smtp.example.com ", SMTP_PORT=587, SMTP_USER="me", SMTP_PASSWORD="pw",
                         SMTP_SECURITY="starttls", SMTP_TIMEOUT_SECONDS=3, SMTP_CA_FILE=str(certificates.ca_file))
    assert settings.smtp_enabled and settings.SMTP_HOST == "smtp.example.com" and settings.smtp_port == 587
