//! What declaring a setting means: one [`Setting`] value holds its variable, flag, help, default
//! and parser, and everything else derives from it: the `--help` entry, the values read from
//! flags or the environment, the typed value and the check of docs/configuration.md.

use std::collections::BTreeMap;

use clap::{Arg, ArgMatches, Command};

use super::ConfigError;

/// What a setting means when it is unset (or blank).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// Nothing: the setting is optional, or required in some cases only.
    Unset,
    /// This text, read by the setting's own parser (so a default can never fail its own check).
    Value(&'static str),
    /// Worked out from other settings, as this Markdown phrase says (for `--help` and the docs).
    Derived(&'static str),
}

/// What every setting has, whatever its type: enough for `--help` and the docs.
#[derive(Debug)]
pub(crate) struct About {
    /// The environment variable, e.g. `PORT`; the flag is its lower-case, dashed form (`--port`).
    pub variable: &'static str,
    /// The placeholder in `--help`, e.g. `SECONDS`.
    pub value_name: &'static str,
    /// One line of `--help` text, without the default.
    pub help: &'static str,
    /// The default.
    pub fallback: Fallback,
    /// Whether `--help` must not show the value found in the environment.
    pub secret: bool,
}

/// One setting, declared once: what it is ([`About`]) and how its text becomes a `T`.
pub(crate) struct Setting<T> {
    /// Name, help and default.
    pub about: About,
    /// Turns a value into a `T`, or a [`ConfigError`] naming the variable (the first argument).
    pub parse: fn(&str, &str) -> Result<T, ConfigError>,
}

impl<T> Setting<T> {
    /// The variable's name, e.g. `PORT`.
    pub(crate) const fn variable(&self) -> &'static str {
        self.about.variable
    }

    /// `value` parsed, else the declared default parsed; `None` when there is neither.
    pub(crate) fn read(&self, value: Option<&str>) -> Result<Option<T>, ConfigError> {
        let value = value.filter(|value| !value.trim().is_empty());
        match (value, self.about.fallback) {
            (Some(value), _) | (None, Fallback::Value(value)) => (self.parse)(self.about.variable, value).map(Some),
            (None, _) => Ok(None),
        }
    }

    /// Like [`Setting::read`], for a setting declared with a [`Fallback::Value`].
    pub(crate) fn read_or_default(&self, value: Option<&str>) -> Result<T, ConfigError> {
        Ok(self.read(value)?.unwrap_or_else(|| panic!("{} is declared with a default value", self.about.variable)))
    }
}

impl About {
    /// `--port` for `PORT`.
    pub(crate) fn flag(&self) -> String {
        self.variable.to_ascii_lowercase().replace('_', "-")
    }

    /// The default as `--help` shows it (Markdown backticks dropped), if any.
    pub(crate) fn default_text(&self) -> Option<String> {
        match self.fallback {
            Fallback::Unset => None,
            Fallback::Value(value) => Some(value.to_owned()),
            Fallback::Derived(phrase) => Some(phrase.replace('`', "")),
        }
    }

    /// The flag, falling back to the variable; the id is the variable itself.
    pub(crate) fn arg(&self) -> Arg {
        let help = match self.default_text() {
            Some(default) => format!("{} [default: {default}]", self.help),
            None => self.help.to_owned(),
        };
        Arg::new(self.variable)
            .long(self.flag())
            .env(self.variable)
            .value_name(self.value_name)
            .help(help)
            .hide_env_values(self.secret)
    }
}

/// Adds a flag for each of `settings` to `command`.
pub(super) fn augment(command: Command, settings: &[&About]) -> Command {
    command.args(settings.iter().map(|about| about.arg()))
}

/// The values given, by variable; blank values count as unset and are left out.
#[derive(Clone, Debug, Default)]
pub(super) struct Found(BTreeMap<String, String>);

impl Found {
    /// The values of `settings` in a parsed command line (flags win over the environment).
    pub(super) fn from_matches(settings: &[&About], matches: &ArgMatches) -> Self {
        Self::from_pairs(
            settings,
            settings.iter().filter_map(|about| {
                let value = matches.get_one::<String>(about.variable)?;
                Some((about.variable.to_owned(), value.clone()))
            }),
        )
    }

    /// The values among `pairs` that `settings` declare.
    pub(super) fn from_pairs(settings: &[&About], pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let known = |name: &str| settings.iter().any(|about| about.variable == name);
        Self(pairs.into_iter().filter(|(name, value)| known(name) && !value.trim().is_empty()).collect())
    }

    /// The text given for `about`, if any.
    pub(super) fn raw(&self, about: &About) -> Option<&str> {
        self.0.get(about.variable).map(String::as_str)
    }

    /// The text given for `about`, owned.
    pub(super) fn owned(&self, about: &About) -> Option<String> {
        self.raw(about).map(str::to_owned)
    }

    /// `setting`'s value: given, else its default; `None` when it has neither.
    pub(super) fn get<T>(&self, setting: &Setting<T>) -> Result<Option<T>, ConfigError> {
        setting.read(self.raw(&setting.about))
    }

    /// `setting`'s value, given or its declared default value.
    pub(super) fn value<T>(&self, setting: &Setting<T>) -> Result<T, ConfigError> {
        setting.read_or_default(self.raw(&setting.about))
    }
}
