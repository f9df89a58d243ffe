//! Scratch folders for the tests: the unit tests' module, also compiled into the
//! integration tests' `tests/common`.

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A folder of its own under the system's temporary folder for one test,
/// `neardup-{name}-{process id}`: made empty when created, removed with everything in it
/// when dropped, so that a passing test leaves nothing behind. A test that fails (drops
/// it while panicking) leaves it for inspection and says where it is.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty folder; `name` tells it from the other tests' folders of this run.
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("neardup-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("left {} for inspection", self.0.display());
        } else {
            // A child process may still hold a file; what cannot be removed stays.
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
