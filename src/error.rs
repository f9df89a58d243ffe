//! The crate's one error type.
//!
//! Every fallible call returns [`Result<T, Error>`](crate::Result). An [`Error`] carries an
//! [`ErrorKind`] that says what went wrong; its `Display` is a lowercase sentence that names
//! the setting and its valid range, or the path and the operation for I/O failures.

use std::fmt;
use std::path::PathBuf;

/// An error from building a configuration, using an index, or reading a corpus.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration value is out of its valid range.
    InvalidParameter {
        /// The setting's name, as its builder method spells it.
        name: &'static str,
        /// The valid range, in words.
        expected: String,
        /// The value that was given, formatted.
        got: String,
    },
    /// Two signatures made by different hashers (other seed or length) were compared or
    /// mixed in one index.
    IncompatibleSignature {
        /// What the receiver expected, formatted.
        expected: String,
        /// What it was given, formatted.
        got: String,
    },
    /// An id was inserted into an index twice.
    DuplicateId {
        /// The id.
        id: u32,
    },
    /// Bytes that should hold a serialized value do not.
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// The index could not be used: not an index, corrupted, truncated, held by another
    /// writer, or a read or write of it failed.
    Store {
        /// The index's folder, or the file of it at fault.
        path: PathBuf,
        /// What the store reported.
        message: String,
    },
    /// An index was opened with settings other than those it was built with, or was
    /// written by a newer version of the format.
    IndexMismatch {
        /// What the index holds.
        stored: String,
        /// What was asked for.
        given: String,
    },
    /// A document id that the index already holds was added again.
    IdExists {
        /// The id.
        id: String,
    },
    /// A run was stopped by [`Progress::cancel`](crate::progress::Progress::cancel).
    Cancelled,
    /// An I/O operation on a path failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn invalid(
        name: &'static str,
        expected: impl Into<String>,
        got: impl fmt::Display,
    ) -> Error {
        Error {
            kind: ErrorKind::InvalidParameter {
                name,
                expected: expected.into(),
                got: got.to_string(),
            },
        }
    }

    pub(crate) fn incompatible(expected: impl fmt::Display, got: impl fmt::Display) -> Error {
        Error {
            kind: ErrorKind::IncompatibleSignature {
                expected: expected.to_string(),
                got: got.to_string(),
            },
        }
    }

    pub(crate) fn duplicate_id(id: u32) -> Error {
        Error {
            kind: ErrorKind::DuplicateId { id },
        }
    }

    pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Malformed {
                what,
                reason: reason.into(),
            },
        }
    }

    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn store(path: impl Into<PathBuf>, message: impl fmt::Display) -> Error {
        Error {
            kind: ErrorKind::Store {
                path: path.into(),
                message: message.to_string(),
            },
        }
    }

    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn index_mismatch(stored: impl Into<String>, given: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::IndexMismatch {
                stored: stored.into(),
                given: given.into(),
            },
        }
    }

    #[cfg_attr(not(feature = "index"), allow(dead_code))]
    pub(crate) fn id_exists(id: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::IdExists { id: id.into() },
        }
    }

    pub(crate) fn cancelled() -> Error {
        Error {
            kind: ErrorKind::Cancelled,
        }
    }

    #[cfg_attr(not(any(feature = "walk", feature = "jsonl")), allow(dead_code))]
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::Io {
                path: path.into(),
                source,
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidParameter {
                name,
                expected,
                got,
            } => write!(
                f,
                "invalid value for '{name}': expected {expected}, got {got}"
            ),
            ErrorKind::IncompatibleSignature { expected, got } => write!(
                f,
                "incompatible signature: expected one from {expected}, got one from {got}"
            ),
            ErrorKind::DuplicateId { id } => {
                write!(f, "id {id} is already in the index (remove it first)")
            }
            ErrorKind::Malformed { what, reason } => write!(f, "malformed {what}: {reason}"),
            ErrorKind::Store { path, message } => {
                write!(f, "index {}: {message}", path.display())
            }
            ErrorKind::IndexMismatch { stored, given } => write!(
                f,
                "the index was built with {stored}, not {given} (open it without settings, \
                 or build a new index)"
            ),
            ErrorKind::IdExists { id } => write!(f, "id {id:?} is already in the index"),
            ErrorKind::Cancelled => f.write_str("the run was cancelled"),
            ErrorKind::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_setting_and_range() {
        let e = Error::invalid("threshold", "0 < t <= 1", 1.5);
        assert_eq!(
            e.to_string(),
            "invalid value for 'threshold': expected 0 < t <= 1, got 1.5"
        );
        assert!(matches!(
            e.kind(),
            ErrorKind::InvalidParameter {
                name: "threshold",
                ..
            }
        ));
    }

    #[test]
    fn io_errors_keep_their_source_and_path() {
        use std::error::Error as _;
        let e = Error::io(
            "a/b.txt",
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        );
        assert_eq!(e.to_string(), "a/b.txt: gone");
        assert!(e.source().is_some());
    }
}
