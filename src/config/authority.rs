//! Which issuer: the eight issuer variables, shared by the server and `hello-client`, name one
//! [`Authority`] (docs/providers.md). The server turns it into a [`KeySource`]; `hello-client`
//! into a token request.

use url::Url;

use super::ConfigError;
use super::declare::Found;
use super::parse::{issuer_url, list, segment};
use super::vars::{
    AUTH0_DOMAIN, AZURE_APP_CLIENT_ID, AZURE_AUTHORITY_HOST, AZURE_B2C_AUTHORITY_HOST, AZURE_B2C_POLICY,
    AZURE_B2C_TENANT_NAME, AZURE_TENANT_ID, ISSUER_BASE_URL,
};
use crate::auth::{IssuerCheck, KeySource};
use crate::urls::{join, metadata_url};

/// The issuer variables as found (`None` or blank = unset), declared in `vars` for the server's
/// settings, its `--help` and `hello-client`'s flags.
#[derive(Clone, Debug, Default)]
pub struct AuthorityVars {
    /// `AUTH0_DOMAIN`.
    pub auth0_domain: Option<String>,
    /// `ISSUER_BASE_URL`.
    pub issuer_base_url: Option<String>,
    /// `AZURE_TENANT_ID`.
    pub azure_tenant_id: Option<String>,
    /// `AZURE_APP_CLIENT_ID`.
    pub azure_app_client_id: Option<String>,
    /// `AZURE_AUTHORITY_HOST`.
    pub azure_authority_host: Option<String>,
    /// `AZURE_B2C_TENANT_NAME`.
    pub azure_b2c_tenant_name: Option<String>,
    /// `AZURE_B2C_POLICY`.
    pub azure_b2c_policy: Option<String>,
    /// `AZURE_B2C_AUTHORITY_HOST`.
    pub azure_b2c_authority_host: Option<String>,
}

/// Who issues the tokens, as the issuer variables name it. The server and `hello-client` both
/// start from this, so they always agree on the issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authority {
    /// Nothing configured: the embedded local issuer.
    Local,
    /// `AUTH0_DOMAIN`: `https://{domain}`.
    Auth0 {
        /// The tenant's base URL.
        base: Url,
    },
    /// `ISSUER_BASE_URL`: any OpenID provider.
    OpenId {
        /// The issuer URL (or its metadata URL) as configured.
        base: Url,
    },
    /// Microsoft Entra ID: `{host}/{tenant}/v2.0`.
    Entra {
        /// `AZURE_AUTHORITY_HOST`, default `https://login.microsoftonline.com`.
        host: Url,
        /// `AZURE_TENANT_ID`: a tenant id, `common` or `organizations`.
        tenant: String,
        /// `AZURE_APP_CLIENT_ID`: the API's application (client) id.
        app: String,
    },
    /// Azure AD B2C: `{host}/{name}.onmicrosoft.com/{policy}/v2.0`.
    B2c {
        /// `AZURE_B2C_AUTHORITY_HOST`, default `https://{name}.b2clogin.com`.
        host: Url,
        /// `AZURE_B2C_TENANT_NAME`.
        name: String,
        /// `AZURE_B2C_POLICY`, the user flow, e.g. `B2C_1_signupsignin`.
        policy: String,
        /// `AZURE_APP_CLIENT_ID`: the API's application (client) id.
        app: String,
    },
}

/// A variable's value, with blank counting as unset.
fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|value| !value.is_empty())
}

impl AuthorityVars {
    pub(super) fn from_found(found: &Found) -> Self {
        Self {
            auth0_domain: found.owned(&AUTH0_DOMAIN.about),
            issuer_base_url: found.owned(&ISSUER_BASE_URL.about),
            azure_tenant_id: found.owned(&AZURE_TENANT_ID.about),
            azure_app_client_id: found.owned(&AZURE_APP_CLIENT_ID.about),
            azure_authority_host: found.owned(&AZURE_AUTHORITY_HOST.about),
            azure_b2c_tenant_name: found.owned(&AZURE_B2C_TENANT_NAME.about),
            azure_b2c_policy: found.owned(&AZURE_B2C_POLICY.about),
            azure_b2c_authority_host: found.owned(&AZURE_B2C_AUTHORITY_HOST.about),
        }
    }

    /// The one authority these variables name; two at once is a mistake naming both.
    pub fn authority(&self) -> Result<Authority, ConfigError> {
        let b2c = set(&self.azure_b2c_tenant_name).is_some() || set(&self.azure_b2c_policy).is_some();
        let chosen: Vec<&str> = [
            (set(&self.auth0_domain).is_some(), AUTH0_DOMAIN.variable()),
            (set(&self.issuer_base_url).is_some(), ISSUER_BASE_URL.variable()),
            (set(&self.azure_tenant_id).is_some(), AZURE_TENANT_ID.variable()),
            (b2c, AZURE_B2C_TENANT_NAME.variable()),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect();
        if chosen.len() > 1 {
            return Err(ConfigError::new(
                chosen.join(", "),
                format!("only one issuer may be configured, but {} are set", chosen.join(" and ")),
            ));
        }
        if let Some(domain) = set(&self.auth0_domain) {
            return Ok(Authority::Auth0 { base: issuer_url(AUTH0_DOMAIN.variable(), domain)? });
        }
        if let Some(url) = set(&self.issuer_base_url) {
            return Ok(Authority::OpenId { base: issuer_url(ISSUER_BASE_URL.variable(), url)? });
        }
        if let Some(tenant) = set(&self.azure_tenant_id) {
            return self.entra(tenant);
        }
        if b2c {
            return self.b2c();
        }
        Ok(Authority::Local)
    }

    fn entra(&self, tenant: &str) -> Result<Authority, ConfigError> {
        let tenant = segment(AZURE_TENANT_ID.variable(), tenant)?.to_owned();
        let app = self.app_client_id(AZURE_TENANT_ID.variable())?;
        let host = AZURE_AUTHORITY_HOST.read_or_default(set(&self.azure_authority_host))?;
        Ok(Authority::Entra { host: issuer_url(AZURE_AUTHORITY_HOST.variable(), &host)?, tenant, app })
    }

    fn b2c(&self) -> Result<Authority, ConfigError> {
        let name = segment(AZURE_B2C_TENANT_NAME.variable(), set(&self.azure_b2c_tenant_name).unwrap_or_default())?;
        let policy = segment(AZURE_B2C_POLICY.variable(), set(&self.azure_b2c_policy).unwrap_or_default())?;
        let app = self.app_client_id(AZURE_B2C_TENANT_NAME.variable())?;
        let host = match set(&self.azure_b2c_authority_host) {
            Some(host) => issuer_url(AZURE_B2C_AUTHORITY_HOST.variable(), host)?,
            None => issuer_url(AZURE_B2C_TENANT_NAME.variable(), &format!("https://{name}.b2clogin.com"))?,
        };
        Ok(Authority::B2c { host, name: name.to_owned(), policy: policy.to_owned(), app })
    }

    fn app_client_id(&self, preset: &str) -> Result<String, ConfigError> {
        match set(&self.azure_app_client_id) {
            Some(app) => Ok(segment(AZURE_APP_CLIENT_ID.variable(), app)?.to_owned()),
            None => Err(ConfigError::new(AZURE_APP_CLIENT_ID.variable(), format!("is required with {preset}"))),
        }
    }
}

impl Authority {
    /// The client-credentials token endpoint these variables name; `None` for local mode (its
    /// port is known only once bound) and for `ISSUER_BASE_URL` (its metadata names it).
    pub fn token_endpoint(&self) -> Option<Url> {
        match self {
            Self::Local | Self::OpenId { .. } => None,
            Self::Auth0 { base } => Some(join(base, "oauth/token")),
            Self::Entra { host, tenant, .. } => Some(join(host, &format!("{tenant}/oauth2/v2.0/token"))),
            Self::B2c { host, name, policy, .. } => {
                Some(join(host, &format!("{name}.onmicrosoft.com/{policy}/oauth2/v2.0/token")))
            }
        }
    }

    /// The variable that chose this authority, e.g. `AUTH0_DOMAIN` (`None` for local mode).
    pub fn variable(&self) -> Option<&'static str> {
        match self {
            Self::Local => None,
            Self::Auth0 { .. } => Some(AUTH0_DOMAIN.variable()),
            Self::OpenId { .. } => Some(ISSUER_BASE_URL.variable()),
            Self::Entra { .. } => Some(AZURE_TENANT_ID.variable()),
            Self::B2c { .. } => Some(AZURE_B2C_TENANT_NAME.variable()),
        }
    }

    /// Where the server finds the keys and the expected `iss`; `None` for local mode, whose
    /// issuer URL is known only once its listener is bound.
    pub(crate) fn key_source(&self) -> Option<KeySource> {
        let discovery = |metadata_url, issuer| Some(KeySource::Discovery { metadata_url, issuer });
        // Entra ID and B2C name the tenant's id where the configuration may name a domain,
        // `common` or a policy: only the host can be checked (docs/providers.md).
        let same_origin = |host: &Url| IssuerCheck::SameOrigin(host.clone());
        match self {
            Self::Local => None,
            Self::Auth0 { base } => Some(KeySource::Fixed {
                issuer: format!("{}/", base.as_str().trim_end_matches('/')),
                jwks_uri: join(base, ".well-known/jwks.json"),
            }),
            Self::OpenId { base } => {
                let metadata_url = metadata_url(base);
                let issuer = metadata_url.as_str().trim_end_matches(".well-known/openid-configuration");
                discovery(metadata_url.clone(), IssuerCheck::Equals(issuer.to_owned()))
            }
            Self::Entra { host, tenant, .. } => {
                discovery(join(host, &format!("{tenant}/v2.0/.well-known/openid-configuration")), same_origin(host))
            }
            Self::B2c { host, name, policy, .. } => discovery(
                join(host, &format!("{name}.onmicrosoft.com/{policy}/v2.0/.well-known/openid-configuration")),
                same_origin(host),
            ),
        }
    }

    /// The audiences accepted when none is configured: the Entra ID and B2C presets know the API's id.
    pub(crate) fn default_audiences(&self) -> Option<Vec<String>> {
        match self {
            Self::Entra { app, .. } => Some(vec![format!("api://{app}"), app.clone()]),
            Self::B2c { app, .. } => Some(vec![app.clone()]),
            _ => None,
        }
    }

    /// The claim that carries permissions when `PERMISSIONS_CLAIM` is unset.
    pub(crate) fn default_permission_claim(&self) -> &'static str {
        match self {
            Self::Entra { .. } | Self::B2c { .. } => "roles",
            _ => "permissions",
        }
    }

    /// `AZURE_ALLOWED_TENANTS`: required with a multi-tenant Entra ID tenant, allowed with
    /// `ISSUER_BASE_URL`, a mistake anywhere else.
    pub(crate) fn allowed_tenants(&self, value: Option<&str>) -> Result<Option<Vec<String>>, ConfigError> {
        const VARIABLE: &str = "AZURE_ALLOWED_TENANTS";
        let multi_tenant = matches!(self, Self::Entra { tenant, .. } if is_multi_tenant(tenant));
        match (value, self) {
            (Some(value), _) if multi_tenant || matches!(self, Self::OpenId { .. }) => Ok(Some(list(VARIABLE, value)?)),
            (Some(_), Self::Entra { tenant, .. }) => Err(ConfigError::new(
                VARIABLE,
                format!("applies only when AZURE_TENANT_ID is common or organizations, not {tenant}"),
            )),
            (Some(_), _) => Err(ConfigError::new(
                VARIABLE,
                "applies only with AZURE_TENANT_ID=common or organizations, or with ISSUER_BASE_URL",
            )),
            (None, Self::Entra { tenant, .. }) if multi_tenant => Err(ConfigError::new(
                VARIABLE,
                format!("is required when AZURE_TENANT_ID is {tenant} (list the tenant ids to accept)"),
            )),
            (None, _) => Ok(None),
        }
    }
}

/// Whether an Entra ID tenant value stands for many tenants (`common`, `organizations`).
pub(crate) fn is_multi_tenant(tenant: &str) -> bool {
    matches!(tenant.to_ascii_lowercase().as_str(), "common" | "organizations")
}
