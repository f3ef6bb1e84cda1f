//! The real binary as a user runs it: arguments, `.env`, the printed curl line, graceful shutdown.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::TempDir;

fn server(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hello-api"));
    command.env_clear().current_dir(dir).stdin(Stdio::null()).kill_on_drop(true);
    command
}

#[tokio::test]
async fn dot_env_fills_in_what_the_environment_does_not_set() {
    let dir = TempDir::new("dotenv");
    std::fs::write(dir.join(".env"), "# a comment\nTOKEN_ALGORITHMS=HS256\nCLOCK_SKEW_SECONDS=soon\n").unwrap();

    let output = server(&dir).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr.contains("TOKEN_ALGORITHMS"), "the .env value is read: {stderr}");

    let output = server(&dir).env("TOKEN_ALGORITHMS", " ").output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TOKEN_ALGORITHMS"), "an empty variable counts as unset, so .env fills it in: {stderr}");

    let output = server(&dir).env("TOKEN_ALGORITHMS", "RS256").output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CLOCK_SKEW_SECONDS") && !stderr.contains("TOKEN_ALGORITHMS"),
        "the environment wins: {stderr}"
    );

    std::fs::write(dir.join(".env"), "PORT='unterminated\n").unwrap();
    let output = server(&dir).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(".env"), "{stderr}");
}

#[tokio::test]
async fn local_mode_prints_a_curl_line_that_reads_the_admin_message_and_stops_on_sigterm() {
    let dir = TempDir::new("local-mode");
    let mut child = server(&dir)
        .envs([("PORT", "0"), ("LOCAL_ISSUER_PORT", "0"), ("SERVE_DEMO", "false"), ("RUST_LOG", "info")])
        // A proxy cannot reach the local issuer on loopback, so local mode goes around it.
        .envs([
            ("HTTP_PROXY", "http://127.0.0.1:9"),
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
            ("ALL_PROXY", "http://127.0.0.1:9"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let curl = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            if line.trim_start().starts_with("curl ") {
                return line.trim().to_owned();
            }
        }
        panic!("no curl line on stdout");
    })
    .await
    .expect("the curl line is printed at start-up");
    let logged = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Ok(Some(line)) = stderr.next_line().await {
            lines.push(line);
        }
        lines
    });

    // The key set loads in the background; the line works as soon as it has.
    let mut answer = String::new();
    for _ in 0..50 {
        let output = Command::new("sh").arg("-c").arg(&curl).output().await.expect("sh and curl run");
        answer = String::from_utf8_lossy(&output.stdout).into_owned();
        if answer.contains("admin message") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answer, r#"{"text":"This is an admin message."}"#);

    let pid = child.id().unwrap().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    let status =
        tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("SIGTERM stops the server").unwrap();
    assert!(status.success(), "{status}");

    let logged = logged.await.unwrap();
    assert!(logged.iter().any(|line| line.contains("WARN") && line.contains("development only")), "{logged:#?}");
    // The access line, as docs/how-it-works.md shows it: `[time INFO  hello_api::middleware] GET
    // /api/messages/admin 200 1.2ms`.
    let access = logged
        .iter()
        .find(|line| line.contains("hello_api::middleware] GET /api/messages/admin 200 "))
        .unwrap_or_else(|| panic!("no access line for the admin message: {logged:#?}"));
    let (stamp, rest) = access.strip_prefix('[').and_then(|line| line.split_once(' ')).expect("a stamp");
    assert!(stamp.len() == 24 && stamp.ends_with('Z') && stamp.as_bytes()[19] == b'.', "{access}");
    assert!(rest.starts_with("INFO  hello_api::middleware] GET"), "{access}");
    let duration = rest.rsplit(' ').next().unwrap();
    let (number, unit) = duration.split_at(duration.find(|c: char| c.is_alphabetic() || c == 'µ').unwrap());
    assert!(
        ["ns", "µs", "ms", "s"].contains(&unit) && number.split_once('.').is_some_and(|(_, tenth)| tenth.len() == 1),
        "{access}"
    );
    assert!(logged.iter().any(|line| line.contains("listening on http://127.0.0.1:")), "{logged:#?}");
    assert!(logged.iter().any(|line| line.contains("SIGTERM: stopping gracefully")), "{logged:#?}");
    assert!(!dir.join(".local-issuer-key.pem").metadata().unwrap().permissions().readonly());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = dir.join(".local-issuer-key.pem").metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is private to its owner");
    }
}

#[tokio::test]
async fn ctrl_c_stops_the_server_gracefully_too() {
    let dir = TempDir::new("ctrl-c");
    let mut child = server(&dir)
        .envs([("PORT", "0"), ("LOCAL_ISSUER_PORT", "0"), ("SERVE_DEMO", "false"), ("RUST_LOG", "info")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if line.contains("listening on") {
                return;
            }
        }
    })
    .await
    .expect("the server starts");

    let pid = child.id().unwrap().to_string();
    Command::new("kill").args(["-INT", &pid]).status().await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("Ctrl-C stops it").unwrap();

    assert!(status.success(), "{status}");
    let mut rest = Vec::new();
    while let Ok(Some(line)) = stderr.next_line().await {
        rest.push(line);
    }
    assert!(rest.iter().any(|line| line.contains("Ctrl-C: stopping gracefully")), "{rest:#?}");
}

/// Runs the real binary with `args` and `vars` in an empty folder; waits for its exit.
async fn run_with_args(args: &[&str], vars: &[(&str, &str)]) -> (std::process::Output, TempDir) {
    let dir = TempDir::new(&format!("args{}", args.join("")));
    let mut command = server(&dir);
    command.args(args).envs(vars.iter().copied()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = tokio::time::timeout(Duration::from_secs(20), command.output())
        .await
        .expect("the arguments are answered without starting the server")
        .unwrap();
    (output, dir)
}

/// The `--help` entry (from its `--flag` line to the next) that names the variable `variable`.
fn option_entry(help: &str, variable: &str) -> Option<String> {
    let mut entries: Vec<String> = Vec::new();
    for line in help.lines() {
        if line.trim_start().starts_with('-') || entries.is_empty() {
            entries.push(String::new());
        }
        let entry = entries.last_mut().unwrap();
        entry.push_str(line);
        entry.push('\n');
    }
    let env = format!("[env: {variable}");
    entries.into_iter().find(|entry| entry.split(&env).nth(1).is_some_and(|rest| rest.starts_with(['=', ']'])))
}

#[tokio::test]
async fn help_lists_each_setting_with_its_variable_and_default_and_starts_nothing() {
    // A server that started anyway would fail to bind this port and exit 1.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();

    let (output, dir) = run_with_args(&["--help"], &[("PORT", &port)]).await;
    let help = String::from_utf8_lossy(&output.stdout);

    assert_eq!(output.status.code(), Some(0), "{help}");
    for (variable, default) in [
        ("HOST", "[default: 127.0.0.1]"),
        ("AUTH0_DOMAIN", ""),
        ("ISSUER_BASE_URL", ""),
        ("TOKEN_ALGORITHMS", "[default: RS256]"),
        ("JWKS_RETRY_SECONDS", "[default: 3]"),
        ("TOKEN_CACHE_SIZE", "[default: 10000]"),
        ("SERVE_DEMO", "[default: true in local mode"),
        ("LOCAL_ISSUER_PORT", "[default: 6061]"),
        ("LOCAL_CLIENT_SECRET", "[default: demo-client-secret]"),
        ("LOCAL_ISSUER_KEY_FILE", "[default: .local-issuer-key.pem]"),
        ("RUST_LOG", "[default: info]"),
    ] {
        let entry = option_entry(&help, variable).unwrap_or_else(|| panic!("{variable} is listed: {help}"));
        assert!(entry.contains(default), "{variable} shows {default}: {help}");
    }
    let port = option_entry(&help, "PORT").expect("PORT is listed");
    assert!(port.contains("[default: 6060]") && port.contains("--port"), "{help}");
    assert!(!dir.join(".local-issuer-key.pem").exists(), "--help starts no local issuer");
}

#[tokio::test]
async fn help_never_shows_a_secret_from_the_environment() {
    let dir = TempDir::new("help-secret");
    let output = server(&dir)
        .arg("--help")
        .envs([("LOCAL_ADMIN_SECRET", "s3cr3t-admin"), ("LOCAL_CLIENT_SECRET", "s3cr3t-client"), ("PORT", "7070")])
        .output()
        .await
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);

    assert_eq!(output.status.code(), Some(0), "{help}");
    assert!(help.contains("[env: PORT=7070]"), "ordinary values are shown: {help}");
    assert!(!help.contains("s3cr3t"), "{help}");
}

#[tokio::test]
async fn version_prints_the_name_and_version_and_exits() {
    let (output, _) = run_with_args(&["--version"], &[]).await;

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("hello-api {}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn an_unknown_argument_is_a_usage_error_naming_it() {
    let (output, _) = run_with_args(&["--no-such-flag"], &[]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn a_flag_wins_over_the_environment() {
    let dir = TempDir::new("flag-wins");
    let output = server(&dir).args(["--port", "not-a-port"]).env("PORT", "0").output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("PORT") && stderr.contains("not-a-port"), "{stderr}");
}
