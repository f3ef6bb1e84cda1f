// Exercise 05: permissions from `roles` instead of `permissions` (workshop/README.md, "05 roles").
//
// Auth0 puts granted permissions in the `permissions` claim; Microsoft Entra ID puts app roles in
// `roles`. The check starts the API with the settings below and calls the admin route with a
// token whose grant is in `roles` only. Configure the API so that it reads permissions from
// `roles` (and only from there).

/// Settings given to the API, as `(VARIABLE, value)` pairs (docs/configuration.md).
pub const SETTINGS: &[(&str, &str)] = &[("PERMISSIONS_CLAIM", "roles")];
