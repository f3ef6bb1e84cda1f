//! Chooses the set of exercise files the checks compile (workshop/README.md, "How the checks
//! work"): `exercises/`, `solutions/` with the `solutions` feature, or any directory named by
//! `WORKSHOP_DIR` (how `verify.sh` checks a set with one solution undone).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=WORKSHOP_DIR");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = match std::env::var("WORKSHOP_DIR") {
        Ok(dir) if !dir.trim().is_empty() => manifest_dir.join(dir.trim()),
        _ if std::env::var_os("CARGO_FEATURE_SOLUTIONS").is_some() => manifest_dir.join("solutions"),
        _ => manifest_dir.join("exercises"),
    };
    println!("cargo:rustc-env=WORKSHOP_SET={}", dir.display());
}
