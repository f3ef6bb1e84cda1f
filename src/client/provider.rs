//! Which token endpoint to ask, and with which form: the token requests of docs/hello-client.md.

use std::fmt;

use url::Url;

use super::ClientSettings;
use crate::config::{Authority, ConfigError, defaults, is_multi_tenant, list, vars};
use crate::urls::metadata_url;

/// Where the token endpoint is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Known from the settings alone.
    At(Url),
    /// Named by the `token_endpoint` of this OpenID metadata document.
    FromMetadata(Url),
}

/// One client-credentials token request (RFC 6749 section 4.4), client authentication by form fields.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Where to send it.
    pub endpoint: Endpoint,
    /// `client_id`.
    pub client_id: String,
    client_secret: String,
    /// The provider's own field naming the API: `audience` (Auth0, OpenID) or `scope` (Entra ID, B2C).
    pub resource: Option<(&'static str, String)>,
    /// `scope` and `resource` (RFC 8707) from `CLIENT_SCOPE` and `CLIENT_RESOURCE`, for every
    /// provider but the Entra ID and B2C presets.
    pub extra: Vec<(&'static str, String)>,
}

// The secret stays out of every `{:?}`, so no log line or panic message can show it.
impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .field("resource", &self.resource)
            .field("extra", &self.extra)
            .finish()
    }
}

impl TokenRequest {
    /// The request the settings describe, or the first setting that is missing or wrong.
    pub fn from_settings(settings: &ClientSettings) -> Result<Self, ConfigError> {
        let get = ClientSettings::get;
        let authority = settings.authority.authority()?;
        let client_id = get(&settings.client_id);
        let client_secret = get(&settings.client_secret);
        let audience = match (get(&settings.auth0_audience), get(&settings.audience)) {
            (Some(value), _) => Some(first("AUTH0_AUDIENCE", &value)?),
            (None, Some(value)) => Some(first("AUDIENCE", &value)?),
            (None, None) => None,
        };

        let extra = extra_fields(settings, &authority)?;
        let known_endpoint =
            || Endpoint::At(authority.token_endpoint().expect("this authority names its token endpoint"));
        let (endpoint, resource) = match &authority {
            Authority::Local => {
                let port =
                    vars::LOCAL_ISSUER_PORT.read_or_default(get(&settings.local.local_issuer_port).as_deref())?;
                if port == 0 {
                    return Err(ConfigError::new(
                        vars::LOCAL_ISSUER_PORT.variable(),
                        "must name the local issuer's port, not 0",
                    ));
                }
                let client_id = client_id.unwrap_or_else(|| defaults::DEMO_CLIENT_ID.to_owned());
                let client_secret = match client_secret {
                    Some(secret) => secret,
                    None => local_secret(settings, &client_id)?,
                };
                let endpoint = Url::parse(&format!("http://127.0.0.1:{port}/oauth/token")).expect("a valid URL");
                return Ok(Self { endpoint: Endpoint::At(endpoint), client_id, client_secret, resource: None, extra });
            }
            Authority::Auth0 { .. } => {
                let audience = audience.ok_or_else(|| {
                    ConfigError::new(
                        "AUTH0_AUDIENCE",
                        "is required to ask Auth0 for a token (the API identifier, e.g. https://hello-world.example.com)",
                    )
                })?;
                (known_endpoint(), Some(("audience", audience)))
            }
            Authority::OpenId { base } => {
                (Endpoint::FromMetadata(metadata_url(base)), audience.map(|a| ("audience", a)))
            }
            Authority::Entra { tenant, app, .. } => {
                if is_multi_tenant(tenant) {
                    return Err(ConfigError::new(
                        "AZURE_TENANT_ID",
                        format!("the client-credentials grant needs the caller's own tenant id, not {tenant}"),
                    ));
                }
                (known_endpoint(), Some(("scope", format!("api://{app}/.default"))))
            }
            Authority::B2c { name, app, .. } => {
                let scope = format!("https://{name}.onmicrosoft.com/{app}/.default");
                (known_endpoint(), Some(("scope", scope)))
            }
        };
        let client_id = client_id.ok_or_else(|| required("CLIENT_ID", &authority))?;
        let client_secret = client_secret.ok_or_else(|| required("CLIENT_SECRET", &authority))?;
        Ok(Self { endpoint, client_id, client_secret, resource, extra })
    }

    /// Whether the token endpoint (or the metadata naming it) is on a loopback host.
    pub fn is_loopback(&self) -> bool {
        match &self.endpoint {
            Endpoint::At(url) | Endpoint::FromMetadata(url) => crate::urls::is_loopback(url),
        }
    }

    /// The form fields sent to the token endpoint.
    pub fn form(&self) -> Vec<(&'static str, &str)> {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        if let Some((name, value)) = &self.resource {
            form.push((name, value.as_str()));
        }
        form.extend(self.extra.iter().map(|(name, value)| (*name, value.as_str())));
        form
    }
}

/// `scope` from `CLIENT_SCOPE` (space-delimited scope tokens, RFC 6749 section 3.3) and `resource`
/// from `CLIENT_RESOURCE` (an absolute URI without a fragment, RFC 8707 section 2). The Entra ID
/// and B2C presets ask for their API's `.default` scope themselves, so either variable with them
/// is a mistake rather than something to ignore.
fn extra_fields(settings: &ClientSettings, authority: &Authority) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let scope = ClientSettings::get(&settings.scope);
    let resource = ClientSettings::get(&settings.resource);
    if let Authority::Entra { .. } | Authority::B2c { .. } = authority {
        let preset = match authority.variable() {
            Some(variable) => format!("the Entra ID or B2C preset ({variable})"),
            None => "the Entra ID or B2C preset".to_owned(),
        };
        for (variable, value) in [("CLIENT_SCOPE", &scope), ("CLIENT_RESOURCE", &resource)] {
            if value.is_some() {
                return Err(ConfigError::new(
                    variable,
                    format!("cannot be used with {preset}: the token request asks for the API's .default scope"),
                ));
            }
        }
    }
    let mut extra = Vec::new();
    if let Some(scope) = scope {
        let tokens: Vec<&str> = scope.split_ascii_whitespace().collect();
        // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        let valid = |token: &&str| token.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
        if let Some(bad) = tokens.iter().find(|token| !valid(token)) {
            return Err(ConfigError::new(
                "CLIENT_SCOPE",
                format!("{bad:?} is not a scope (printable ASCII without \" or \\)"),
            ));
        }
        extra.push(("scope", tokens.join(" ")));
    }
    if let Some(resource) = resource {
        match Url::parse(&resource) {
            Ok(url) if url.fragment().is_none() => extra.push(("resource", resource)),
            _ => {
                return Err(ConfigError::new(
                    "CLIENT_RESOURCE",
                    format!(
                        "{resource:?} must be an absolute URI without a fragment, e.g. https://hello-world.example.com"
                    ),
                ));
            }
        }
    }
    Ok(extra)
}

/// The local issuer's demo clients have known secrets; another client id needs `CLIENT_SECRET`.
fn local_secret(settings: &ClientSettings, client_id: &str) -> Result<String, ConfigError> {
    let (value, setting) = match client_id {
        defaults::DEMO_CLIENT_ID => (&settings.local.local_client_secret, &vars::LOCAL_CLIENT_SECRET),
        defaults::DEMO_ADMIN_ID => (&settings.local.local_admin_secret, &vars::LOCAL_ADMIN_SECRET),
        _ => return Err(required("CLIENT_SECRET", &Authority::Local)),
    };
    setting.read_or_default(ClientSettings::get(value).as_deref())
}

fn required(variable: &str, authority: &Authority) -> ConfigError {
    let needed = match authority.variable() {
        Some(chosen_by) => format!("with {chosen_by}"),
        None => "for a client other than demo-client and demo-admin".to_owned(),
    };
    ConfigError::new(variable, format!("is required {needed} (the calling application's credentials)"))
}

/// A token is issued for one audience: the first of a comma-separated list.
fn first(variable: &str, value: &str) -> Result<String, ConfigError> {
    Ok(list(variable, value)?.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(configure: impl FnOnce(&mut ClientSettings)) -> ClientSettings {
        let mut settings = ClientSettings::default();
        configure(&mut settings);
        settings
    }

    fn set(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    #[test]
    fn local_mode_asks_the_local_issuer_as_demo_client_with_its_known_secret() {
        let request = TokenRequest::from_settings(&settings(|_| {})).unwrap();
        assert_eq!(request.endpoint, Endpoint::At("http://127.0.0.1:6061/oauth/token".parse().unwrap()));
        assert_eq!(
            request.form(),
            [
                ("grant_type", "client_credentials"),
                ("client_id", "demo-client"),
                ("client_secret", "demo-client-secret")
            ]
        );

        let admin = TokenRequest::from_settings(&settings(|s| {
            s.client_id = set("demo-admin");
            s.local.local_admin_secret = set("changed");
            s.local.local_issuer_port = set("7000");
        }))
        .unwrap();
        assert_eq!(admin.endpoint, Endpoint::At("http://127.0.0.1:7000/oauth/token".parse().unwrap()));
        assert!(admin.form().contains(&("client_secret", "changed")));
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let request = TokenRequest::from_settings(&settings(|s| s.client_secret = set("s3cr3t-value"))).unwrap();
        assert!(!format!("{request:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn each_mistake_names_its_variable() {
        let cases: [(&str, ClientSettings); 7] = [
            ("AUTH0_AUDIENCE", settings(|s| s.authority.auth0_domain = set("tenant.example.com"))),
            (
                "CLIENT_ID",
                settings(|s| (s.authority.auth0_domain, s.auth0_audience) = (set("t.example.com"), set("api"))),
            ),
            ("CLIENT_SECRET", settings(|s| s.client_id = set("someone-else"))),
            (
                "AZURE_TENANT_ID",
                settings(|s| {
                    (s.authority.azure_tenant_id, s.authority.azure_app_client_id) = (set("common"), set("a"))
                }),
            ),
            ("AZURE_APP_CLIENT_ID", settings(|s| s.authority.azure_tenant_id = set("tenant"))),
            ("ISSUER_BASE_URL", settings(|s| s.authority.issuer_base_url = set("http://idp.example.com"))),
            ("LOCAL_ISSUER_PORT", settings(|s| s.local.local_issuer_port = set("0"))),
        ];
        for (variable, settings) in cases {
            let err = TokenRequest::from_settings(&settings).unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
        }
        let both = settings(|s| {
            (s.authority.auth0_domain, s.authority.issuer_base_url) = (set("t.example.com"), set("https://idp"))
        });
        let err = TokenRequest::from_settings(&both).unwrap_err();
        assert!(err.variable.contains("AUTH0_DOMAIN") && err.variable.contains("ISSUER_BASE_URL"), "{err}");
    }
}
