//! Finding the server programs the test kit runs, without downloading anything: an environment
//! variable naming the binary, else `PATH` (pyenv shims resolved to the real binary), else the
//! scripts directory of `python3`, where `pip install` puts console programs.

use std::path::PathBuf;
use std::process::Command;

/// Why a program was not found.
#[derive(Debug)]
pub(crate) enum NotFound {
    /// Nowhere to be found.
    Missing,
    /// The environment variable names a path that does not exist.
    BadPath(PathBuf),
}

/// `env_var` if set, else `program` on `PATH`, else in Python's scripts directory.
pub(crate) fn find_program(program: &str, env_var: &str) -> Result<PathBuf, NotFound> {
    if let Some(p) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(NotFound::BadPath(p))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Some(found) = std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
    else {
        // `pip install` puts the binary in Python's scripts directory, which is not always on
        // PATH (user installs, pyenv before a rehash).
        return python_scripts_program(program).ok_or(NotFound::Missing);
    };
    if found.components().any(|c| c.as_os_str() == "shims")
        && let Ok(out) = Command::new("pyenv").args(["which", program]).output()
        && out.status.success()
    {
        let real = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if real.is_file() {
            return Ok(real);
        }
    }
    Ok(found)
}

/// `program` in the scripts directory of `python3`, if it is there.
fn python_scripts_program(program: &str) -> Option<PathBuf> {
    let out = Command::new("python3")
        .args(["-c", "import sysconfig; print(sysconfig.get_path('scripts'))"])
        .output()
        .ok()?;
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join(program);
    p.is_file().then_some(p)
}
