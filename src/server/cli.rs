//! The command line: `helpdesk [serve]`, `helpdesk create-admin`.

use super::{
    Config,
    config::{CONFIG_ENV, Given, LogFormat, SETTINGS, Scope, Setting, Source},
    router::{self, BootError},
};
use crate::{
    auth::password,
    users::{
        db::{self as users_db, UserInput},
        model::{AvatarUrl, Email, Password, Role, UserStatus, Username},
    },
};
use clap::{Parser, Subcommand};
use std::{
    io::{BufRead, IsTerminal},
    path::{Path, PathBuf},
};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "helpdesk",
    version,
    about = "A self-hosted helpdesk: one binary, one SQLite file."
)]
pub struct Cli {
    /// Config file (default: Leptos.toml in the working directory, if present).
    #[arg(long, global = true, env = CONFIG_ENV, value_name = "FILE")]
    config: Option<PathBuf>,
    // The settings' flags are added from `SETTINGS` (see `setting_arg`).
    #[command(subcommand)]
    command: Option<Command>,
}

/// Whether command `name` reads setting `s` (and so takes its flag and lists it in its
/// help): `serve` and `config` every setting, the others the database's.
fn uses(name: &str, s: &Setting) -> bool {
    matches!(name, "serve" | "config") || s.scope == Scope::Database
}

/// A setting's flag, which its environment variable can also give.
fn setting_arg(s: &'static Setting) -> clap::Arg {
    let arg = clap::Arg::new(s.key)
        .long(&s.flag[2..])
        .env(s.env)
        .value_name(s.value_name)
        .help(format!(
            "{} [default: {}]",
            s.doc.trim_end_matches('.'),
            s.default.replace('`', "")
        ));
    match s.flag_alone {
        Some(value) => arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value(value),
        None => arg,
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the helpdesk (the default).
    Serve,
    /// Create an active admin. The password is read from standard input (one line) when it
    /// is not a terminal, and prompted for otherwise.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
    /// Apply the database migrations this binary carries, then exit.
    Migrate,
    /// Check the database's integrity and every attachment's bytes, and print what they
    /// hold; exits 1 if anything is damaged, missing or unknown.
    Check,
    /// Write a consistent copy of the database to FILE, also while the server runs, and
    /// the attachments it names to the folder FILE.attachments.
    Backup {
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Replace the database with a backup, after checking the backup, and bring back the
    /// attachments from FILE.attachments. Refused while a server is using the database.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// Fill the database with realistic demo data: departments, request types, users and
    /// tickets with comments and history over the last two years. Refused while a server
    /// uses the database, and on a database that already holds tickets unless --force.
    Seed {
        /// How many tickets.
        #[arg(long, default_value_t = 10_000)]
        tickets: u64,
        /// Average comments per ticket, the description included.
        #[arg(long, default_value_t = 5)]
        comments: u64,
        /// How many users (one in a hundred an admin).
        #[arg(long, default_value_t = 1_000)]
        users: u64,
        /// The seeded users' password [default: a random one, printed at the end].
        #[arg(long)]
        password: Option<String>,
        /// Add the demo data even though the database already holds tickets.
        #[arg(long)]
        force: bool,
        /// Random seed: the same seed on an empty database makes the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the version of this binary and of the database schema it carries.
    Version,
    /// Print the settings in effect and where each came from (flag, env, file, default).
    Config,
}

impl Cli {
    /// The command line as clap reads it: every setting's flag on `helpdesk` itself (which
    /// serves), and on each command the flags of the settings it uses, so its `--help`
    /// lists those alone.
    fn clap_command() -> clap::Command {
        use clap::CommandFactory;
        let top = SETTINGS
            .iter()
            .fold(Cli::command(), |command, s| command.arg(setting_arg(s)));
        let names: Vec<String> = top
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        names.iter().fold(top, |top, name| {
            top.mut_subcommand(name, |sub| {
                SETTINGS
                    .iter()
                    .filter(|s| uses(name, s))
                    .fold(sub, |sub, s| sub.arg(setting_arg(s)))
            })
        })
    }

    /// Parses the command line and resolves the settings: each from its flag (after the
    /// command or before it), else its variable, else the file named by its `NAME_FILE`
    /// variable (for secrets managers and container secrets), else the config file, else
    /// its default. A flag before a command that does not use it is refused.
    fn parse_with_config() -> Result<(Cli, Config), BootError> {
        use clap::{FromArgMatches, parser::ValueSource};
        let matches = Self::clap_command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        let mut given = Given::default();
        for s in SETTINGS {
            let command = matches.subcommand();
            if let Some((name, _)) = command
                && !uses(name, s)
                && matches.value_source(s.key) == Some(ValueSource::CommandLine)
            {
                return Err(format!(
                    "{} is not a setting of `helpdesk {name}` (`helpdesk {name} --help` lists its settings)",
                    s.flag
                )
                .into());
            }
            // The command's own matches first: a flag after the command wins.
            let places = command
                .filter(|(name, _)| uses(name, s))
                .map(|(_, sub)| sub)
                .into_iter()
                .chain([&matches]);
            let given_by = |source: ValueSource| {
                places
                    .clone()
                    .find(|m| m.value_source(s.key) == Some(source))
                    .map(|m| m.get_one::<String>(s.key).cloned().unwrap_or_default())
            };
            if let Some(text) = given_by(ValueSource::CommandLine) {
                given.set(s.key, text, Source::Flag);
            } else if let Some(text) = given_by(ValueSource::EnvVariable) {
                given.set(s.key, text, Source::Env);
            } else if let Some(value) = secret_file(s.env)? {
                given.set(s.key, value, Source::EnvFile);
            }
        }
        if cli.config.is_none() {
            cli.config = secret_file(CONFIG_ENV)?.map(PathBuf::from);
        }
        match &cli.config {
            Some(path) => given.add_file(path, true)?,
            None => given.add_file(std::path::Path::new("Leptos.toml"), false)?,
        }
        let config = Config::resolve(&given)?;
        Ok((cli, config))
    }
}

/// The value in the file named by `{var}_FILE`, if that variable is set.
fn secret_file(var: &str) -> Result<Option<String>, BootError> {
    let Some(path) = std::env::var_os(format!("{var}_FILE")) else {
        return Ok(None);
    };
    let value = std::fs::read_to_string(&path)
        .map_err(|e| format!("{var}_FILE: cannot read {}: {e}", path.to_string_lossy()))?;
    Ok(Some(value.trim_end_matches(['\r', '\n']).to_string()))
}

pub async fn run() -> Result<(), BootError> {
    let (cli, config) = Cli::parse_with_config()?;
    // A bulk load runs long statements on purpose: sqlx's "slow statement" warnings
    // (dozens of them) would bury the progress bar and the summary.
    let bulk = matches!(cli.command, Some(Command::Seed { .. }));
    init_logging(config.log_format, bulk);
    super::panics::log_panics();
    match cli.command {
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::CreateAdmin { username, email }) => {
            create_admin(config, &username, &email).await
        }
        Some(Command::Migrate) => {
            let pool = crate::base::db::connect(&config.database_url).await?;
            let (applied, latest) = super::ops::schema_version(&pool).await?;
            println!("Database is up to date: {applied} migrations, the latest “{latest}”.");
            Ok(())
        }
        Some(Command::Check) => {
            super::ops::check(&config.database_url, Path::new(&config.data_dir)).await
        }
        Some(Command::Backup { to }) => {
            super::ops::backup(&config.database_url, Path::new(&config.data_dir), &to).await
        }
        Some(Command::Restore { from }) => {
            super::ops::restore(&config.database_url, Path::new(&config.data_dir), &from).await
        }
        Some(Command::Seed {
            tickets,
            comments,
            users,
            password,
            force,
            seed,
        }) => {
            let random = password.is_none();
            let password = password.unwrap_or_else(|| {
                let mut rng = fastrand::Rng::new();
                (0..16).map(|_| rng.alphanumeric()).collect()
            });
            Password::parse(&password).map_err(|m| format!("password: {m}"))?;
            let plan = super::seed::SeedPlan {
                tickets,
                comments_per_ticket: comments,
                users,
                password: password.clone(),
                force,
                seed,
                progress: std::io::stderr().is_terminal(),
            };
            seed_command(&config, &plan, random).await
        }
        Some(Command::Config) => {
            for (key, value, source) in config.shown() {
                println!("{key} = {value}  ({})", source.as_str());
            }
            Ok(())
        }
        Some(Command::Version) => {
            println!(
                "helpdesk {} (database schema: {} migrations)",
                env!("CARGO_PKG_VERSION"),
                crate::base::db::migrator(config.database_url.backend())
                    .iter()
                    .count()
            );
            Ok(())
        }
    }
}

const CREATE_ADMIN_HINT: &str = "No active admin exists yet. Create one with: helpdesk create-admin --username NAME --email EMAIL";

async fn serve(config: Config) -> Result<(), BootError> {
    // Held while serving: `restore` refuses to replace a database a server is using.
    let _in_use = super::ops::hold_database(&config.database_url)?;
    let state = router::state(config).await?;
    if crate::auth::db::active_admin_count(&state.pool).await? == 0 {
        tracing::warn!("{CREATE_ADMIN_HINT}");
    }
    let addr = state.config.listen;
    let hub = state.hub.clone();
    let app = router::router(state).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let stop = shutdown_signal();
    tracing::info!("helpdesk listening on http://{}", listener.local_addr()?);
    accept_loop(listener, app, async move {
        stop.await;
        tracing::info!("shutting down: finishing the requests in flight");
        // Live streams never finish by themselves: end them, or the shutdown waits forever.
        hub.close();
    })
    .await;
    tracing::info!("stopped");
    Ok(())
}

/// A client has this long to send a request's headers; one that trickles them (or never
/// sends them) is cut off instead of holding a connection open forever.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish. axum::serve cannot set hyper's header-read timeout, which needs a timer.
pub async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::{conn::auto, graceful::GracefulShutdown},
        service::TowerToHyperService,
    };
    use tower::ServiceExt;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // The peer address feeds the request log (and is replaced by the proxy's word for
        // it with --behind-proxy).
        let service =
            app.clone()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, peer = %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Ctrl-C, or SIGTERM (what systemd and container runtimes send).
/// Ctrl-C or SIGTERM, caught from the moment this is called rather than from the future's
/// first poll: a SIGTERM sent just after "listening on" killed the process uncleanly (the
/// kill -9 test's restart saw it under load).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => drop(s.recv().await),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = wait(interrupt.take()) => {}
                () = wait(terminate.take()) => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn read_password() -> Result<String, BootError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Repeat password: ")?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

async fn create_admin(config: Config, username: &str, email: &str) -> Result<(), BootError> {
    let username = Username::parse(username).map_err(|m| format!("username: {m}"))?;
    let email = Email::parse(email).map_err(|m| format!("email: {m}"))?;
    let password = Password::parse(&read_password()?).map_err(|m| format!("password: {m}"))?;
    let pool = crate::base::db::connect(&config.database_url).await?;
    let input = UserInput {
        username,
        email,
        avatar: AvatarUrl::parse("")?,
        department_id: None,
        roles: vec![Role::Admin, Role::User],
        status: UserStatus::Active,
    };
    let hash = password::hash(&password).await?;
    let user = users_db::create(&pool, &input, &hash).await?;
    println!("Created admin {} <{}>.", user.username, user.email);
    Ok(())
}

async fn seed_command(
    config: &Config,
    plan: &super::seed::SeedPlan,
    random_password: bool,
) -> Result<(), BootError> {
    // Numbers and ids are worked out up front: no server may write meanwhile.
    let _in_use = super::ops::hold_database(&config.database_url)?;
    let pool = crate::base::db::connect(&config.database_url).await?;
    let started = std::time::Instant::now();
    let done = super::seed::seed(&pool, plan, crate::base::db::now_ms()).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "Seeded {} users, {} tickets, {} comments ({} of them internal notes) and {} history \
         entries in {seconds:.1} s.",
        done.users, done.tickets, done.comments, done.notes, done.events
    );
    println!("Admins: {}", done.admins.join(", "));
    if let Some(user) = &done.sample_user {
        println!("A user: {user}");
    }
    if random_password {
        println!("Their password: {}", plan.password);
    } else {
        println!("Their password is the one given with --password.");
    }
    Ok(())
}

/// The levels `RUST_LOG` asks for (info when it is unset or unreadable); sqlx's statement
/// log (where its slow-statement warnings go) down to errors when asked to be quiet and
/// `RUST_LOG` does not name sqlx.
fn log_filter(rust_log: &str, quiet_slow_statements: bool) -> EnvFilter {
    let filter = match rust_log.trim() {
        "" => EnvFilter::new("info"),
        asked => EnvFilter::try_new(asked).unwrap_or_else(|_| EnvFilter::new("info")),
    };
    match "sqlx::query=error".parse() {
        Ok(quiet) if quiet_slow_statements && !rust_log.contains("sqlx") => {
            filter.add_directive(quiet)
        }
        _ => filter,
    }
}

/// Logs go to standard error: readable (coloured on a terminal) or JSON lines. `RUST_LOG`
/// picks the levels (default: info). `quiet_slow_statements`: sqlx's warnings about slow
/// statements are left out, unless `RUST_LOG` names sqlx itself.
fn init_logging(format: LogFormat, quiet_slow_statements: bool) {
    let asked = std::env::var("RUST_LOG").unwrap_or_default();
    let filter = log_filter(&asked, quiet_slow_statements);
    // A log line that cannot be written (standard error closed: the log collector or a
    // `| tee` gone) is dropped. By default tracing says so on standard error itself, which
    // panics when that is closed, and the panic's own log line made it abort the server.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    let _ = match format {
        LogFormat::Human => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => logs.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    /// What a warning from sqlx's statement log and one from the app leave in a log with
    /// this filter.
    fn logged(rust_log: &str, quiet: bool) -> String {
        let out = super::super::test_log::Lines::default();
        let sink = out.clone();
        let subscriber = tracing_subscriber::registry()
            .with(super::log_filter(rust_log, quiet))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || sink.clone()),
            );
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "sqlx::query", "slow statement: execution time exceeded alert threshold");
            tracing::warn!(target: "helpdesk::server::seed", "a warning of the app's own");
        });
        out.text()
    }

    #[test]
    fn a_bulk_load_leaves_out_slow_statement_warnings_and_nothing_else() {
        let quiet = logged("", true);
        assert!(!quiet.contains("slow statement"), "{quiet}");
        assert!(quiet.contains("a warning of the app's own"), "{quiet}");
        // Elsewhere, and whenever RUST_LOG asks for sqlx, they are shown.
        assert!(logged("", false).contains("slow statement"));
        assert!(logged("info,sqlx=warn", true).contains("slow statement"));
        assert!(logged("not a filter[", false).contains("a warning of the app's own"));
    }
}
