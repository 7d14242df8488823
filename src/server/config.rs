//! Runtime settings, each declared once in the `settings!` table below: its file key, flag,
//! environment variable, default and doc line. Everything else derives from that table:
//! the command-line flags, the environment and `NAME_FILE` secrets, the config file's keys,
//! `helpdesk config`'s "where it came from" column, and the README's table (a test checks).
//! Precedence: flag > environment (or `NAME_FILE`) > config file > default.
//!
//! To add a setting: one line in the table (its type implements `Value`); read it from
//! `Config` where it is needed, and document it in `Leptos.toml` (a test checks that too).
//!
//! One declarative table rather than a layered-config crate (figment): the flags would
//! still be declared to clap separately, and `NAME_FILE` and the "came from" column are
//! a few lines here.

use crate::base::db::Database;
use crate::mail::settings::{ImapUrl, MailFrom, PublicUrl, SmtpUrl};
use std::{net::SocketAddr, path::Path};

/// A setting's type: read from text (a flag, a variable, a secret file, the config file)
/// and shown as text by `helpdesk config`.
pub trait Value: Sized {
    /// A flag given alone means this (`--behind-proxy` is `--behind-proxy=true`).
    const FLAG_ALONE: Option<&'static str> = None;
    /// The value, or what is wrong with the text.
    fn read(text: &str) -> Result<Self, String>;
    fn show(&self) -> String;
}

/// Parses with `FromStr`, or says what the text should have been.
fn parsed<T: std::str::FromStr>(text: &str, expected: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not {expected}"))
}

impl Value for String {
    fn read(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

impl Value for bool {
    const FLAG_ALONE: Option<&'static str> = Some("true");
    fn read(text: &str) -> Result<Self, String> {
        parsed(text, "true or false")
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Value for u64 {
    fn read(text: &str) -> Result<Self, String> {
        parsed(text, "a whole number")
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Value for SocketAddr {
    fn read(text: &str) -> Result<Self, String> {
        parsed(text, "of the form IP:PORT")
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// Types that parse themselves (`FromStr` with a message) and show themselves (`Display`,
/// which leaves any password out).
macro_rules! parsed_values {
    ($($ty:ty),+) => {$(
        impl Value for $ty {
            fn read(text: &str) -> Result<Self, String> {
                text.parse()
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )+};
}

parsed_values!(Database, PublicUrl, SmtpUrl, ImapUrl, MailFrom);

/// A setting that may be left out: unset, or given empty, is off.
impl<T: Value> Value for Option<T> {
    fn read(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            T::read(text).map(Some)
        }
    }
    fn show(&self) -> String {
        self.as_ref().map_or_else(|| "(unset)".into(), Value::show)
    }
}

/// The variable that names the config file (also `--config`); not a setting itself.
pub const CONFIG_ENV: &str = "HELPDESK_CONFIG";

/// Where `cargo leptos build` puts the site: served by a binary that has none built in.
pub const DEFAULT_SITE_ROOT: &str = "target/site";

/// Where the site's files (WASM, JS, CSS) come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SiteRoot {
    /// The copy built into a release binary; a debug build reads `DEFAULT_SITE_ROOT`.
    #[default]
    BuiltIn,
    Folder(String),
}

impl Value for SiteRoot {
    fn read(text: &str) -> Result<Self, String> {
        Ok(SiteRoot::Folder(text.to_string()))
    }
    fn show(&self) -> String {
        match self {
            SiteRoot::Folder(dir) => dir.clone(),
            SiteRoot::BuiltIn if cfg!(feature = "embed-site") => "(built into the binary)".into(),
            SiteRoot::BuiltIn => DEFAULT_SITE_ROOT.into(),
        }
    }
}

word_enum! {
    /// How the server logs: readable lines for a terminal, or one JSON object per line for
    /// a log collector.
    pub enum LogFormat ("The log format") {
        Human = "human", "Human";
        Json = "json", "JSON";
    }
}

impl Value for LogFormat {
    fn read(text: &str) -> Result<Self, String> {
        LogFormat::parse(&text.to_lowercase()).map_err(|_| format!("{text:?} is not human or json"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// One setting as the table declares it.
#[derive(Debug)]
pub struct Setting {
    /// Its key in the config file and in `helpdesk config`.
    pub key: &'static str,
    pub flag: &'static str,
    pub env: &'static str,
    /// The placeholder for its value in `--help`.
    pub value_name: &'static str,
    /// The default as the README shows it (Markdown).
    pub default: &'static str,
    pub doc: &'static str,
    pub flag_alone: Option<&'static str>,
    /// Which commands read it (and so list its flag in their help).
    pub scope: Scope,
}

/// Which commands a setting is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every command that opens the database.
    Database,
    /// `serve` alone (and `config`, which shows every setting).
    Server,
}

/// Where a setting's value came from, as `helpdesk config` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    EnvFile,
    File,
    Default,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::EnvFile => "env file",
            Source::File => "file",
            Source::Default => "default",
        }
    }
}

/// The text each setting was given as, and where it came from (filled by the CLI from
/// flags, the environment and secret files, and by the config file).
#[derive(Debug, Default, Clone)]
pub struct Given(Vec<(&'static str, String, Source)>);

impl Given {
    /// Keeps `text` for `key` unless a source before it (flag > env > file) gave one.
    pub fn set(&mut self, key: &'static str, text: impl Into<String>, source: Source) {
        if !self.0.iter().any(|(k, ..)| *k == key) {
            self.0.push((key, text.into(), source));
        }
    }

    fn take<T: Value>(&self, key: &str) -> Result<Option<(T, Source)>, String> {
        let Some((_, text, source)) = self.0.iter().find(|(k, ..)| *k == key) else {
            return Ok(None);
        };
        T::read(text)
            .map(|value| Some((value, *source)))
            .map_err(|e| format!("{key}: {e}"))
    }

    /// Adds the config file's keys (below what is already given). Unknown keys are refused
    /// so typos do not pass silently.
    pub fn add_file(&mut self, path: &Path, required: bool) -> Result<(), String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(()),
            Err(e) => return Err(format!("cannot open config file {}: {e}", path.display())),
        };
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        for (key, value) in table {
            let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
                let keys: Vec<_> = SETTINGS.iter().map(|s| s.key).collect();
                return Err(format!(
                    "cannot read config file {}: unknown key `{key}`, expected one of {}",
                    path.display(),
                    keys.join(", ")
                ));
            };
            let text = match value {
                toml::Value::String(text) => text,
                other => other.to_string(),
            };
            self.set(setting.key, text, Source::File);
        }
        Ok(())
    }
}

macro_rules! settings {
    ($(
        #[doc = $doc:literal]
        $key:ident: $ty:ty = $default:expr, shown $shown:literal,
            flag $flag:literal, env $env:literal, value $value_name:literal, for $scope:ident;
    )+) => {
        /// The settings in effect, resolved once at start.
        #[derive(Debug, Clone)]
        pub struct Config {
            $(#[doc = $doc] pub $key: $ty,)+
            /// Where each setting came from.
            pub sources: Vec<(&'static str, Source)>,
        }

        pub const SETTINGS: &[Setting] = &[$(Setting {
            key: stringify!($key),
            flag: $flag,
            env: $env,
            value_name: $value_name,
            default: $shown,
            doc: $doc.trim_ascii_start(),
            flag_alone: <$ty as Value>::FLAG_ALONE,
            scope: Scope::$scope,
        }),+];

        impl Config {
            /// Each setting from what was given, else its default. A default may use the
            /// settings declared above it.
            pub fn resolve(given: &Given) -> Result<Config, String> {
                let mut sources = Vec::new();
                $(
                    let $key: $ty = match given.take::<$ty>(stringify!($key))? {
                        Some((value, source)) => {
                            sources.push((stringify!($key), source));
                            value
                        }
                        None => {
                            sources.push((stringify!($key), Source::Default));
                            $default
                        }
                    };
                )+
                Ok(Config { $($key,)+ sources })
            }

            /// Each setting's key, value and source, as `helpdesk config` prints them.
            pub fn shown(&self) -> Vec<(&'static str, String, Source)> {
                vec![$((
                    stringify!($key),
                    Value::show(&self.$key),
                    self.source(stringify!($key)),
                )),+]
            }
        }
    };
}

settings! {
    /// Address and port to listen on.
    listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 3000)), shown "`127.0.0.1:3000`",
        flag "--listen", env "LEPTOS_SITE_ADDR", value "IP:PORT", for Server;
    /// Folder for the data (the database), created if missing.
    data_dir: String = "data".into(), shown "`data`",
        flag "--data-dir", env "HELPDESK_DATA_DIR", value "DIR", for Database;
    /// The database: a SQLite file, created (and migrated) if missing, or a PostgreSQL server's postgres://USER:PASSWORD@HOST/DATABASE.
    database_url: Database = Database::in_folder(&data_dir), shown "`sqlite://DATA_DIR/helpdesk.db`",
        flag "--database-url", env "DATABASE_URL", value "URL", for Database;
    /// Serve the compiled site (WASM, JS, CSS) from this folder instead of the built-in one.
    site_root: SiteRoot = SiteRoot::default(), shown "built into a release binary; `target/site` in a debug build",
        flag "--site-root", env "LEPTOS_SITE_ROOT", value "DIR", for Server;
    /// Mark the session cookie Secure (when people reach the helpdesk over https).
    secure_cookies: bool = false, shown "`false`",
        flag "--secure-cookies", env "HELPDESK_SECURE_COOKIES", value "BOOL", for Server;
    /// Behind a reverse proxy that is the only way in: trust its X-Forwarded-For and -Proto.
    behind_proxy: bool = false, shown "`false`",
        flag "--behind-proxy", env "HELPDESK_BEHIND_PROXY", value "BOOL", for Server;
    /// Log lines for people (human) or one JSON object per line (json).
    log_format: LogFormat = LogFormat::Human, shown "`human`",
        flag "--log-format", env "HELPDESK_LOG_FORMAT", value "FORMAT", for Server;
    /// The address people use to reach the helpdesk (e.g. https://help.example.com): links in mail point there, and the cross-site check accepts it.
    public_url: Option<PublicUrl> = None, shown "unset",
        flag "--public-url", env "HELPDESK_PUBLIC_URL", value "URL", for Server;
    /// Where mail goes out: smtp://USER:PASSWORD@HOST:587 (STARTTLS when offered; ?tls=required refuses without), smtps://USER:PASSWORD@HOST:465, or smtp://HOST:25?tls=none for a relay on this machine. Unset: no mail is sent.
    smtp_url: Option<SmtpUrl> = None, shown "unset",
        flag "--smtp-url", env "HELPDESK_SMTP_URL", value "URL", for Server;
    /// Who mail comes from, e.g. Helpdesk <help@example.com>.
    mail_from: Option<MailFrom> = None, shown "unset",
        flag "--mail-from", env "HELPDESK_MAIL_FROM", value "ADDRESS", for Server;
    /// The mailbox polled for incoming mail: imaps://USER:PASSWORD@HOST:993/INBOX, or imap://…?tls=starttls or ?tls=none. Unset: no mail comes in.
    imap_url: Option<ImapUrl> = None, shown "unset",
        flag "--imap-url", env "HELPDESK_IMAP_URL", value "URL", for Server;
    /// The largest file that may be attached, in MB (mail's attachments too).
    attachment_max_mb: u64 = 25, shown "`25`",
        flag "--attachment-max-mb", env "HELPDESK_ATTACHMENT_MAX_MB", value "MB", for Server;
    /// The most files on one comment or new ticket.
    attachments_per_comment: u64 = 10, shown "`10`",
        flag "--attachments-per-comment", env "HELPDESK_ATTACHMENTS_PER_COMMENT", value "N", for Server;
    /// The most one ticket's files may add up to, in MB.
    attachments_per_ticket_mb: u64 = 250, shown "`250`",
        flag "--attachments-per-ticket-mb", env "HELPDESK_ATTACHMENTS_PER_TICKET_MB", value "MB", for Server;
    /// How many files one person may start uploading in a minute (per app server).
    uploads_per_minute: u64 = 30, shown "`30`",
        flag "--uploads-per-minute", env "HELPDESK_UPLOADS_PER_MINUTE", value "N", for Server;
    /// For browser tests only: POST /api/test/clock?advance_minutes=N moves the server's clock forward (due times turn overdue). Never in production.
    test_clock: bool = false, shown "`false`",
        flag "--test-clock", env "HELPDESK_TEST_CLOCK", value "BOOL", for Server;
}

impl Config {
    pub fn source(&self, key: &str) -> Source {
        self.sources
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(Source::Default, |(_, s)| *s)
    }

    /// The README's settings table, made from `SETTINGS`.
    pub fn readme_table() -> String {
        let mut table = String::from(
            "| setting | flag | environment | default | what it does |\n|---|---|---|---|---|\n",
        );
        for s in SETTINGS {
            table.push_str(&format!(
                "| `{}` | `{}` | `{}` | {} | {} |\n",
                s.key, s.flag, s.env, s.default, s.doc
            ));
        }
        table.push_str(&format!(
            "| config file | `--config` | `{CONFIG_ENV}` | `Leptos.toml` if present | Where the settings above may also be given. |\n"
        ));
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::Backend;

    fn given(pairs: &[(&'static str, &str, Source)]) -> Given {
        let mut given = Given::default();
        for (key, text, source) in pairs {
            given.set(key, *text, *source);
        }
        given
    }

    #[test]
    fn the_first_source_given_wins_and_the_rest_are_defaults() {
        let config = Config::resolve(&given(&[
            ("database_url", "sqlite://flag.db", Source::Flag),
            ("database_url", "sqlite://file.db", Source::File),
            ("listen", "0.0.0.0:8080", Source::File),
        ]))
        .unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(config.database_url.to_string(), "sqlite://flag.db");
        assert_eq!(config.source("database_url"), Source::Flag);
        assert_eq!(config.source("listen"), Source::File);
        assert_eq!(config.source("behind_proxy"), Source::Default);
        assert!(!config.secure_cookies && !config.behind_proxy);
    }

    #[test]
    fn the_database_lives_in_the_data_directory_unless_given() {
        let config = Config::resolve(&Given::default()).unwrap();
        assert_eq!(config.database_url.to_string(), "sqlite://data/helpdesk.db");
        let config =
            Config::resolve(&given(&[("data_dir", "/var/lib/helpdesk", Source::Env)])).unwrap();
        assert_eq!(
            config.database_url.to_string(),
            "sqlite:///var/lib/helpdesk/helpdesk.db"
        );
        let config = Config::resolve(&given(&[
            ("data_dir", "/var/lib/helpdesk", Source::Env),
            ("database_url", "elsewhere.db", Source::Env),
        ]))
        .unwrap();
        assert_eq!(config.database_url.to_string(), "sqlite://elsewhere.db");
    }

    #[test]
    fn a_bad_value_is_explained() {
        let err = Config::resolve(&given(&[("listen", "localhost", Source::Flag)])).unwrap_err();
        assert!(err.contains("IP:PORT"), "{err}");
        let err = Config::resolve(&given(&[("behind_proxy", "yes", Source::Env)])).unwrap_err();
        assert!(err.contains("true or false"), "{err}");
        let err =
            Config::resolve(&given(&[("database_url", "mysql://x/y", Source::Env)])).unwrap_err();
        assert!(
            err.contains("sqlite://PATH") && err.contains("postgres://"),
            "{err}"
        );
        let err = Config::resolve(&given(&[("database_url", "sqlite::memory:", Source::Env)]))
            .unwrap_err();
        assert!(err.contains("names no file"), "{err}");
    }

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        let url = "postgres://helpdesk:s3cret@db.example:5432/helpdesk";
        let config = Config::resolve(&given(&[("database_url", url, Source::Env)])).unwrap();
        assert_eq!(config.database_url.backend(), Backend::Postgres);
        assert_eq!(
            config.database_url.to_string(),
            "postgres://helpdesk:***@db.example:5432/helpdesk"
        );
    }

    #[test]
    fn mail_settings_are_off_unless_given_and_never_show_their_passwords() {
        let config = Config::resolve(&Given::default()).unwrap();
        assert_eq!(
            (
                config.smtp_url,
                config.imap_url,
                config.mail_from,
                config.public_url
            ),
            (None, None, None, None)
        );
        let config = Config::resolve(&given(&[
            (
                "smtp_url",
                "smtp://desk:s3cret@mail.example:587",
                Source::EnvFile,
            ),
            (
                "imap_url",
                "imaps://desk:s3cret@mail.example/INBOX",
                Source::File,
            ),
            ("mail_from", "Helpdesk <help@example.com>", Source::Env),
            ("public_url", "", Source::Env),
        ]))
        .unwrap();
        assert_eq!(config.public_url, None, "given empty: off");
        let shown = format!("{:?}", config.shown());
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("smtp://desk:***@mail.example:587"),
            "{shown}"
        );
        assert!(
            shown.contains("imaps://desk:***@mail.example:993/INBOX"),
            "{shown}"
        );
        assert!(!format!("{config:?}").contains("s3cret"));
        // A bad value is refused at start, naming the setting, without the password.
        let e = Config::resolve(&given(&[(
            "smtp_url",
            "smtp://desk:s3cret@mail.example?tls=yes",
            Source::Env,
        )]))
        .unwrap_err();
        assert!(e.starts_with("smtp_url: ") && !e.contains("s3cret"), "{e}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Leptos.toml");
        std::fs::write(&path, "lissen = \"1.2.3.4:5\"\n").unwrap();
        assert!(Given::default().add_file(&path, false).is_err());
        let none = dir.path().join("none.toml");
        assert!(Given::default().add_file(&none, false).is_ok());
        assert!(Given::default().add_file(&none, true).is_err());
    }

    /// The README's table and Leptos.toml's comments are written for people, but every
    /// setting must be in both, as the table declares it.
    #[test]
    fn the_readme_and_leptos_toml_document_every_setting() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&Config::readme_table()),
            "README.md's settings table is not the one SETTINGS makes; paste this:\n{}",
            Config::readme_table()
        );
        let file = include_str!("../../Leptos.toml");
        for s in SETTINGS {
            assert!(
                file.contains(&format!("# {} = ", s.key)),
                "Leptos.toml: {}",
                s.key
            );
            assert!(
                file.contains(s.env) && file.contains(s.flag),
                "Leptos.toml: {}",
                s.key
            );
        }
    }
}
