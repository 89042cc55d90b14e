"""Organizations (tenants): membership, roles, invitations, the audit log, and the tenant scope every query uses."""
