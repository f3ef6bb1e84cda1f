//! The one reader of `./.env`, for both binaries: the environment wins, `.env` fills in what it
//! leaves unset, and an empty (or blank) variable counts as unset (docs/configuration.md).

use super::ConfigError;

/// The `.env` entries the environment leaves unset or blank, for the names `wanted` accepts.
fn dotenv_fill_ins(wanted: impl Fn(&str) -> bool) -> Result<Vec<(String, String)>, ConfigError> {
    let entries = match dotenvy::from_path_iter(".env") {
        Ok(entries) => entries,
        Err(err) if err.not_found() => return Ok(Vec::new()),
        Err(err) => return Err(ConfigError::new(".env", dotenv_problem(&err))),
    };
    let mut fill_ins = Vec::new();
    for entry in entries {
        let (key, value) = entry.map_err(|err| ConfigError::new(".env", dotenv_problem(&err)))?;
        if wanted(&key) && std::env::var_os(&key).is_none_or(|set| set.to_string_lossy().trim().is_empty()) {
            fill_ins.push((key, value));
        }
    }
    Ok(fill_ins)
}

/// Puts the `.env` entries the environment leaves unset or blank (for the names `wanted`
/// accepts) into the process environment, where the command-line parser
/// (and, for `hello-client`, the HTTP client's proxy settings) read them.
///
/// # Safety
/// No other thread may be running: call it first thing in `main`, before any runtime starts.
// The crate's one unsafe code (Cargo.toml, `[lints]`): `set_var` races with other threads.
#[allow(unsafe_code)]
pub unsafe fn fill_in_from_dotenv(wanted: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
    for (key, value) in dotenv_fill_ins(wanted)? {
        // SAFETY: the caller guarantees that this thread is the only one.
        unsafe { std::env::set_var(key, value) };
    }
    Ok(())
}

fn dotenv_problem(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::LineParse(_, index) => format!("cannot parse the line at byte {index}"),
        dotenvy::Error::Io(io) => format!("cannot be read: {io}"),
        other => other.to_string(),
    }
}
