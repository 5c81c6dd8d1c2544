//! Layering: built-in default → configuration file → environment → flags, and for secrets the
//! stores of [`crate::secrets`] after the environment. Every resolved value remembers its source.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::ConfigError;
use super::file::FileLayer;
use super::sections::KeySpec;
use super::value::{Field, Scalar};
use crate::secrets::{self, StoredSource};

/// A value given on the command line for a configuration key.
#[derive(Debug, Clone)]
pub struct Override {
    /// The key, `section.key`.
    pub key: String,
    /// The value as typed.
    pub value: String,
    /// The flag that carried it, for messages (`--set`, `--github-url`).
    pub flag: String,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in default (or unset, when the key has none).
    Default,
    /// The configuration file, at a line.
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
    },
    /// An environment variable.
    Env {
        /// Its name.
        var: String,
    },
    /// A command-line flag.
    Flag {
        /// Its name.
        flag: String,
    },
    /// A file in `$CREDENTIALS_DIRECTORY`.
    CredentialsDirectory {
        /// The file.
        path: PathBuf,
    },
    /// A secret file named by a `<key>_file` setting.
    SecretFile {
        /// The file.
        path: PathBuf,
    },
    /// The OS keyring.
    Keyring,
}

impl Source {
    /// The kind of source: `default`, `file`, `env`, `flag`, `credentials-directory`,
    /// `secret-file` or `keyring`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::File { .. } => "file",
            Self::Env { .. } => "env",
            Self::Flag { .. } => "flag",
            Self::CredentialsDirectory { .. } => "credentials-directory",
            Self::SecretFile { .. } => "secret-file",
            Self::Keyring => "keyring",
        }
    }

    /// Which file, line, variable or flag, where there is one.
    pub fn origin(&self) -> Option<String> {
        match self {
            Self::Default | Self::Keyring => None,
            Self::File { path, line } => Some(format!("{}:{line}", path.display())),
            Self::Env { var } => Some(var.clone()),
            Self::Flag { flag } => Some(flag.clone()),
            Self::CredentialsDirectory { path } | Self::SecretFile { path } => {
                Some(path.display().to_string())
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin() {
            Some(origin) => write!(f, "{} {origin}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

/// One resolved key as `rpc config check` reports it; secrets are already redacted.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    /// `section.key`.
    pub key: String,
    /// The value as shown, `<redacted>` for a secret; `None` when unset.
    pub value: Option<String>,
    /// Where the value came from.
    #[serde(serialize_with = "serialize_source_kind")]
    pub source: Source,
    /// File and line, variable or flag of the source.
    pub origin: Option<String>,
    /// Whether the value is a secret.
    pub secret: bool,
}

fn serialize_source_kind<S: serde::Serializer>(source: &Source, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(source.kind())
}

/// Resolves keys one by one from the layers, recording each [`Setting`].
pub(crate) struct Resolver<'a> {
    file: Option<&'a FileLayer>,
    env: &'a BTreeMap<String, String>,
    overrides: &'a [Override],
    credentials_directory: Option<PathBuf>,
    /// The settings resolved so far, in key order.
    pub settings: Vec<Setting>,
}

impl<'a> Resolver<'a> {
    pub fn new(
        file: Option<&'a FileLayer>,
        env: &'a BTreeMap<String, String>,
        overrides: &'a [Override],
    ) -> Self {
        let credentials_directory = env
            .get(crate::env_vars::CREDENTIALS_DIRECTORY)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        Self {
            file,
            env,
            overrides,
            credentials_directory,
            settings: Vec::new(),
        }
    }

    /// Resolves `section.key` into a field of type `F` and records it.
    pub fn take<F: Field>(
        &mut self,
        section: &'static str,
        key: &'static str,
    ) -> Result<F, ConfigError> {
        let dotted = format!("{section}.{key}");
        let spec = KeySpec::find(&dotted).ok_or_else(|| ConfigError::UnknownOverride {
            key: dotted.clone(),
        })?;
        let found = self.lookup::<F::Value>(spec)?;
        let (value, source) = match found {
            Some((value, source)) => (Some(value), source),
            None => (None, Source::Default),
        };
        tracing::trace!(key = %dotted, %source, "resolved setting");
        self.settings.push(Setting {
            key: dotted.clone(),
            value: value.as_ref().map(Scalar::show),
            origin: source.origin(),
            source,
            secret: spec.secret,
        });
        F::from_value(value).ok_or(ConfigError::Missing { key: dotted })
    }

    fn lookup<T: Scalar>(&self, spec: &KeySpec) -> Result<Option<(T, Source)>, ConfigError> {
        let from_file = self.in_file::<T>(spec)?;
        if let Some(found) = self.in_overrides::<T>(spec)? {
            return Ok(Some(found));
        }
        if let Some(found) = self.in_env::<T>(spec)? {
            return Ok(Some(found));
        }
        if from_file.is_some() {
            return Ok(from_file);
        }
        if T::SECRET {
            return self.in_stores::<T>(spec);
        }
        spec.default
            .map(|text| {
                T::parse(text)
                    .map(|value| (value, Source::Default))
                    .map_err(|found| ConfigError::WrongType {
                        origin: "built-in default".into(),
                        key: spec.dotted(),
                        expected: T::EXPECTED,
                        found,
                    })
            })
            .transpose()
    }

    fn in_file<T: Scalar>(&self, spec: &KeySpec) -> Result<Option<(T, Source)>, ConfigError> {
        let Some(file) = self.file else {
            return Ok(None);
        };
        let Some((raw, line)) = file
            .values
            .get(&(spec.section.to_owned(), spec.name.to_owned()))
        else {
            return Ok(None);
        };
        let source = Source::File {
            path: file.path.clone(),
            line: *line,
        };
        if T::SECRET {
            return Err(ConfigError::SecretInFile {
                origin: source.origin().unwrap_or_default(),
                key: spec.dotted(),
                env_var: spec.env_var(),
            });
        }
        let value = T::from_raw(raw).map_err(|found| ConfigError::WrongType {
            origin: source.origin().unwrap_or_default(),
            key: spec.dotted(),
            expected: T::EXPECTED,
            found,
        })?;
        Ok(Some((value, source)))
    }

    fn in_overrides<T: Scalar>(&self, spec: &KeySpec) -> Result<Option<(T, Source)>, ConfigError> {
        let dotted = spec.dotted();
        let Some(given) = self.overrides.iter().rev().find(|o| o.key == dotted) else {
            return Ok(None);
        };
        let value = T::parse(&given.value).map_err(|found| ConfigError::WrongType {
            origin: format!("flag {}", given.flag),
            key: dotted,
            expected: T::EXPECTED,
            found,
        })?;
        Ok(Some((
            value,
            Source::Flag {
                flag: given.flag.clone(),
            },
        )))
    }

    fn in_env<T: Scalar>(&self, spec: &KeySpec) -> Result<Option<(T, Source)>, ConfigError> {
        let primary = spec.env_var();
        let names = std::iter::once(primary.as_str()).chain(spec.aliases.iter().copied());
        for name in names {
            let Some(text) = self.env.get(name).filter(|text| !text.is_empty()) else {
                continue;
            };
            let value = T::parse(text).map_err(|found| ConfigError::WrongType {
                origin: format!("environment variable {name}"),
                key: spec.dotted(),
                expected: T::EXPECTED,
                // The value of a secret's variable is not repeated in the message.
                found: if T::SECRET { String::new() } else { found },
            })?;
            return Ok(Some((value, Source::Env { var: name.into() })));
        }
        Ok(None)
    }

    fn in_stores<T: Scalar>(&self, spec: &KeySpec) -> Result<Option<(T, Source)>, ConfigError> {
        let file_key = format!("{}_file", spec.dotted());
        let file = match KeySpec::find(&file_key) {
            Some(file_spec) => self.lookup::<PathBuf>(file_spec)?.map(|(path, _)| path),
            None => None,
        };
        let name = format!("{}_{}", spec.section, spec.name);
        let stored = secrets::resolve_stored(
            &name,
            self.credentials_directory.as_deref(),
            file.as_deref(),
        )
        .map_err(|source| ConfigError::Secret {
            key: spec.dotted(),
            source,
        })?;
        let Some((secret, stored_source)) = stored else {
            return Ok(None);
        };
        let value = T::parse(secret.expose()).map_err(|found| ConfigError::WrongType {
            origin: format!("{stored_source:?}"),
            key: spec.dotted(),
            expected: T::EXPECTED,
            found,
        })?;
        let source = match stored_source {
            StoredSource::CredentialsDirectory(path) => Source::CredentialsDirectory { path },
            StoredSource::File(path) => Source::SecretFile { path },
            StoredSource::Keyring => Source::Keyring,
        };
        Ok(Some((value, source)))
    }
}
