"""Account rules: users, passwords, roles and API tokens.

- ``users``: finding and creating accounts, passwords, login, the profile, the user search;
- ``links``: the signed links mailed to a person (address confirmation, password reset);
- ``signup``: sign-up and confirming the e-mail address;
- ``passwords``: a forgotten password's reset link, changing one's password;
- ``roles``: per-edition roles, site administrators, where a login leads;
- ``tokens``: personal API tokens, and checking a Bearer token;
- ``delivery``: what became of the mail a page just queued (the page after sign-up);
- ``edition_lookup``: how accounts finds editions (the editions area provides it).

The names other areas and tests use are re-exported here.
"""

from conference.accounts.services.delivery import (
    delivery_state,
    queued_in_this_request,
    send_and_wait,
)
from conference.accounts.services.edition_lookup import (
    checkin_editions,
    edition_for_year,
    editions_newest_first,
)
from conference.accounts.services.links import EMAIL_SALT, RESET_SALT, email_token, reset_token
from conference.accounts.services.passwords import (
    change_password,
    request_password_reset,
    reset_password,
    user_for_reset_token,
)
from conference.accounts.services.roles import (
    ROLE_LOSSES,
    ensure_admin_removable,
    grant_role,
    has_role,
    landing_url,
    parse_role,
    revoke_role,
    role_label,
    role_name,
    role_revocation_consequences,
    set_admin,
)
from conference.accounts.services.signup import (
    resend_verification,
    send_verification,
    sign_up,
    user_for_email_token,
    verify_email,
)
from conference.accounts.services.tokens import (
    TOKEN_PREFIX,
    TokenCheck,
    check_token,
    create_api_token,
    default_expiry,
    expiry_from_date,
    hash_token,
    parse_scope,
    revoke_all_tokens,
    revoke_api_token,
    user_for_token,
)
from conference.accounts.services.users import (
    MIN_PASSWORD_LENGTH,
    ORGANISATION_TYPES,
    PROFILE_FIELDS,
    authenticate,
    create_user,
    find_user,
    get_user_by_email,
    normalise_email,
    rotate_session,
    search_users,
    set_password,
    update_profile,
    validate_password,
)

__all__ = [
    "delivery_state",
    "queued_in_this_request",
    "send_and_wait",
    "EMAIL_SALT",
    "MIN_PASSWORD_LENGTH",
    "ORGANISATION_TYPES",
    "PROFILE_FIELDS",
    "RESET_SALT",
    "ROLE_LOSSES",
    "TOKEN_PREFIX",
    "TokenCheck",
    "authenticate",
    "change_password",
    "check_token",
    "checkin_editions",
    "create_api_token",
    "create_user",
    "default_expiry",
    "edition_for_year",
    "editions_newest_first",
    "email_token",
    "ensure_admin_removable",
    "expiry_from_date",
    "find_user",
    "get_user_by_email",
    "grant_role",
    "has_role",
    "hash_token",
    "landing_url",
    "normalise_email",
    "parse_role",
    "parse_scope",
    "request_password_reset",
    "resend_verification",
    "reset_password",
    "reset_token",
    "revoke_all_tokens",
    "revoke_api_token",
    "revoke_role",
    "role_label",
    "role_name",
    "role_revocation_consequences",
    "rotate_session",
    "search_users",
    "send_verification",
    "set_admin",
    "set_password",
    "sign_up",
    "update_profile",
    "user_for_email_token",
    "user_for_reset_token",
    "user_for_token",
    "validate_password",
    "verify_email",
]
