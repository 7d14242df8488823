//! User queries. Every change that touches roles or status runs in one transaction that also
//! enforces the last-admin rule before it commits.

use super::model::{AvatarUrl, Email, Role, UserStatus, UserView, Username};
use crate::base::db::{Conn, Flag, Pool};
use crate::{
    auth::session,
    base::db::{begin_write, now_ms},
    error::{AppError, FieldError},
};

/// A user's fields as an admin (or `create-admin`) sets them; the password is already hashed.
pub struct UserInput {
    pub username: Username,
    pub email: Email,
    pub avatar: AvatarUrl,
    pub department_id: Option<i64>,
    pub roles: Vec<Role>,
    pub status: UserStatus,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    email: String,
    avatar_url: Option<String>,
    department_id: Option<i64>,
    department_name: Option<String>,
    status: UserStatus,
    roles: Option<String>,
}

impl From<UserRow> for UserView {
    fn from(r: UserRow) -> Self {
        let mut roles: Vec<Role> = r
            .roles
            .unwrap_or_default()
            .split(',')
            .filter_map(|r| Role::parse(r).ok())
            .collect();
        roles.sort_by_key(|role| role.as_str());
        UserView {
            id: r.id,
            username: r.username,
            email: r.email,
            avatar_url: r.avatar_url,
            roles,
            department_id: r.department_id,
            department_name: r.department_name,
            status: r.status,
        }
    }
}

const SELECT: &str = "SELECT u.id, u.username, u.email, u.avatar_url, u.department_id,
        d.name AS department_name, u.status,
        (SELECT string_agg(r.role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles
   FROM users u LEFT JOIN departments d ON d.id = u.department_id";

fn taken(err: sqlx::Error) -> AppError {
    if let Some(db) = err.as_database_error()
        && db.is_unique_violation()
    {
        // SQLite names the column in its message, PostgreSQL the constraint.
        let on = |column: &str| {
            db.message().contains(&format!("users.{column}"))
                || db.constraint() == Some(&format!("users_{column}_key"))
        };
        if on("username") {
            return AppError::conflict("username", "That username is already taken.");
        }
        if on("email") {
            return AppError::conflict("email", "That email address is already in use.");
        }
    }
    err.into()
}

pub async fn list(pool: &Pool) -> Result<Vec<UserView>, AppError> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!("{SELECT} ORDER BY u.username"))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(UserView::from).collect())
}

/// Up to `limit` usernames starting with `prefix`, in order (inactive people too: their
/// tickets remain). A range on the username index: as fast with 100,000 users as with 10.
pub async fn usernames_from(
    pool: &Pool,
    prefix: &str,
    limit: i64,
) -> Result<Vec<String>, AppError> {
    if !crate::base::db::storable(prefix) {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar(
        "SELECT username FROM users WHERE username >= $1 AND username < $2
          ORDER BY username LIMIT $3",
    )
    .bind(prefix)
    .bind(format!("{prefix}{}", char::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Active staff (agents and admins) whose usernames start with `prefix`, in order: the
/// assignee picker's suggestions. Walks the username index from the prefix and stops at
/// `limit`, so it costs the same with 100,000 users.
pub async fn staff_from(pool: &Pool, prefix: &str, limit: i64) -> Result<Vec<String>, AppError> {
    if !crate::base::db::storable(prefix) {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar(&format!(
        "SELECT u.username FROM users u
          WHERE u.username >= $1 AND u.username < $2 AND u.status = 'active'
            AND EXISTS (SELECT 1 FROM user_roles r
                         WHERE r.user_id = u.id AND r.role IN {})
          ORDER BY u.username LIMIT $3",
        crate::auth::db::STAFF_ROLES
    ))
    .bind(prefix)
    .bind(format!("{prefix}{}", char::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// The id of the user called `username`, if any.
pub async fn id_of(pool: &Pool, username: &str) -> Result<Option<i64>, AppError> {
    if !crate::base::db::storable(username) {
        return Ok(None);
    }
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn get(pool: &Pool, id: i64) -> Result<UserView, AppError> {
    let row: UserRow = sqlx::query_as(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok(row.into())
}

async fn check_department(conn: &mut Conn, id: Option<i64>) -> Result<(), AppError> {
    let Some(id) = id else { return Ok(()) };
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::invalid(
            "department_id",
            "That department does not exist (any more). Choose another.",
        )),
    }
}

/// Reports a taken username and a taken email together, so the form shows both at once.
async fn check_unique(
    conn: &mut Conn,
    input: &UserInput,
    except_id: Option<i64>,
) -> Result<(), AppError> {
    // Emails compare without case: the column is NOCASE in SQLite, citext in PostgreSQL.
    let (Flag(name_taken), Flag(email_taken)) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM users WHERE username = $1 AND id IS DISTINCT FROM $3),
                EXISTS (SELECT 1 FROM users WHERE email = $2 AND id IS DISTINCT FROM $3)",
    )
    .bind(input.username.as_str())
    .bind(input.email.as_str())
    .bind(except_id)
    .fetch_one(&mut *conn)
    .await?;
    let mut clashes = Vec::new();
    if name_taken {
        clashes.push(FieldError {
            field: "username".into(),
            message: "That username is already taken.".into(),
        });
    }
    if email_taken {
        clashes.push(FieldError {
            field: "email".into(),
            message: "That email address is already in use.".into(),
        });
    }
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict(clashes))
    }
}

async fn roles_of(conn: &mut Conn, id: i64) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// A user's own new password (they gave the current one) or avatar, from My account.
/// A new password ends their other sessions (all but `keep`, the one they used).
pub async fn set_own(
    pool: &Pool,
    id: i64,
    change: OwnChange<'_>,
    keep: Option<&session::Token>,
) -> Result<(), AppError> {
    let mut tx = begin_write(pool).await?;
    match change {
        OwnChange::Password(hash) => {
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            session::end_all_in(&mut tx, id, keep).await?;
        }
        OwnChange::Avatar(url) => {
            sqlx::query("UPDATE users SET avatar_url = $1, updated_at = $2 WHERE id = $3")
                .bind(url.as_deref())
                .bind(now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    session::users_changed(pool);
    Ok(())
}

pub enum OwnChange<'a> {
    Password(&'a str),
    Avatar(&'a AvatarUrl),
}

/// The password hash of user `id`, to check "current password".
pub async fn password_hash(pool: &Pool, id: i64) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)
}

async fn set_roles(conn: &mut Conn, id: i64, roles: &[Role]) -> Result<(), AppError> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for role in roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Refuses a change that would leave nobody able to administer the helpdesk.
async fn keep_an_admin(conn: &mut Conn, field: &str) -> Result<(), AppError> {
    let admins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id
          WHERE r.role = 'admin' AND u.status = 'active'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if admins == 0 {
        return Err(AppError::invalid(
            field,
            "This is the last active admin: make another user an active admin first.",
        ));
    }
    Ok(())
}

pub async fn create(
    pool: &Pool,
    input: &UserInput,
    password_hash: &str,
) -> Result<UserView, AppError> {
    let mut tx = begin_write(pool).await?;
    let id = create_in(&mut tx, input, password_hash).await?;
    tx.commit().await?;
    get(pool, id).await
}

/// `create` inside the caller's write transaction (an account opened by mail commits with
/// its ticket); the new user's id.
pub async fn create_in(
    tx: &mut Conn,
    input: &UserInput,
    password_hash: &str,
) -> Result<i64, AppError> {
    check_department(&mut *tx, input.department_id).await?;
    check_unique(&mut *tx, input, None).await?;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, email, password_hash, avatar_url, department_id, status,
                            created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(input.username.as_str())
    .bind(input.email.as_str())
    .bind(password_hash)
    .bind(input.avatar.as_deref())
    .bind(input.department_id)
    .bind(input.status.as_str())
    .bind(now)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(taken)?;
    set_roles(&mut *tx, id, &input.roles).await?;
    Ok(id)
}

/// Saves an admin's edit of user `id`. A new password, other roles or deactivation end the
/// user's sessions (all but `keep`: the admin's own, when they edit themselves).
pub async fn update(
    pool: &Pool,
    id: i64,
    input: &UserInput,
    new_password_hash: Option<&str>,
    keep: Option<&session::Token>,
) -> Result<UserView, AppError> {
    let mut tx = begin_write(pool).await?;
    let roles_before = roles_of(&mut tx, id).await?;
    check_department(&mut tx, input.department_id).await?;
    check_unique(&mut tx, input, Some(id)).await?;
    let done = sqlx::query(
        "UPDATE users SET username = $1, email = $2, avatar_url = $3, department_id = $4, status = $5,
                          password_hash = COALESCE($6, password_hash), updated_at = $7
          WHERE id = $8",
    )
    .bind(input.username.as_str())
    .bind(input.email.as_str())
    .bind(input.avatar.as_deref())
    .bind(input.department_id)
    .bind(input.status.as_str())
    .bind(new_password_hash)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(taken)?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    set_roles(&mut tx, id, &input.roles).await?;
    if new_password_hash.is_some()
        || input.status == UserStatus::Inactive
        || roles_of(&mut tx, id).await? != roles_before
    {
        session::end_all_in(&mut tx, id, keep).await?;
    }
    let field = if input.status == UserStatus::Inactive {
        "status"
    } else {
        "role_admin"
    };
    keep_an_admin(&mut tx, field).await?;
    tx.commit().await?;
    session::users_changed(pool);
    get(pool, id).await
}

pub async fn set_status(pool: &Pool, id: i64, status: UserStatus) -> Result<UserView, AppError> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    if status == UserStatus::Inactive {
        session::end_all_in(&mut tx, id, None).await?;
    }
    keep_an_admin(&mut tx, "status").await?;
    tx.commit().await?;
    session::users_changed(pool);
    get(pool, id).await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::base::db::test_pool;

    pub(crate) fn input(name: &str, roles: &[Role]) -> UserInput {
        UserInput {
            username: Username::parse(name).unwrap(),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            avatar: AvatarUrl::parse("").unwrap(),
            department_id: None,
            roles: roles.to_vec(),
            status: UserStatus::Active,
        }
    }

    #[tokio::test]
    async fn deactivation_in_the_app_ends_the_remembered_session_at_once() {
        let (pool, _dir) = test_pool().await;
        create(&pool, &input("boss", &[Role::Admin]), "h")
            .await
            .unwrap();
        let ann = create(&pool, &input("ann", &[Role::User]), "h")
            .await
            .unwrap();
        let token = session::start(&pool, ann.id).await.unwrap();
        assert!(session::user(&pool, &token).await.unwrap().user.is_some());
        set_status(&pool, ann.id, UserStatus::Inactive)
            .await
            .unwrap();
        assert!(session::user(&pool, &token).await.unwrap().user.is_none());
    }

    #[tokio::test]
    async fn create_list_and_update() {
        let (pool, _dir) = test_pool().await;
        let dept: i64 = sqlx::query_scalar(
            "INSERT INTO departments (name, created_at) VALUES ('IT', 0) RETURNING id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        let mut ann = input("ann", &[Role::User]);
        ann.department_id = Some(dept);
        let created = create(&pool, &ann, "hash").await.unwrap();
        assert_eq!(created.department_name.as_deref(), Some("IT"));
        assert_eq!(created.roles, vec![Role::User]);
        assert_eq!(created.status, UserStatus::Active);

        let admin = create(&pool, &input("boss", &[Role::Admin, Role::User]), "h")
            .await
            .unwrap();
        assert_eq!(admin.roles, vec![Role::Admin, Role::User]);

        let mut changed = input("ann2", &[Role::Admin]);
        changed.avatar = AvatarUrl::parse("https://example.com/a.png").unwrap();
        let updated = update(&pool, created.id, &changed, Some("new-hash"), None)
            .await
            .unwrap();
        assert_eq!(updated.username, "ann2");
        assert_eq!(updated.roles, vec![Role::Admin]);
        assert_eq!(updated.department_id, None);
        assert_eq!(
            updated.avatar_url.as_deref(),
            Some("https://example.com/a.png")
        );
        let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(created.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(hash, "new-hash");
        // No new password: the old hash stays.
        update(&pool, created.id, &changed, None, None)
            .await
            .unwrap();
        let names: Vec<_> = list(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["ann2", "boss"]);
        assert_eq!(get(&pool, 999).await, Err(AppError::NotFound));
    }

    #[tokio::test]
    async fn usernames_and_emails_are_unique_and_nothing_is_stored() {
        let (pool, _dir) = test_pool().await;
        create(&pool, &input("ann", &[Role::User]), "h")
            .await
            .unwrap();
        let err = create(&pool, &input("ann", &[Role::User]), "h")
            .await
            .unwrap_err();
        assert_eq!(
            err.for_field("username").unwrap(),
            "That username is already taken."
        );
        assert_eq!(
            err.for_field("email").unwrap(),
            "That email address is already in use."
        );
        let mut same_email = input("bob", &[Role::User]);
        same_email.email = Email::parse("ANN@example.com").unwrap();
        let err = create(&pool, &same_email, "h").await.unwrap_err();
        assert_eq!(
            err.for_field("email").unwrap(),
            "That email address is already in use."
        );
        let mut bad_dept = input("cyd", &[Role::User]);
        bad_dept.department_id = Some(42);
        let err = create(&pool, &bad_dept, "h").await.unwrap_err();
        assert!(err.for_field("department_id").is_some());
        assert_eq!(list(&pool).await.unwrap().len(), 1);
        let roles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_roles")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(roles, 1, "a refused user leaves no roles behind");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_admin_writes_queue_instead_of_failing() {
        let (pool, _dir) = test_pool().await;
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    create(&pool, &input(&format!("user{i}"), &[Role::User]), "h").await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(list(&pool).await.unwrap().len(), 20);
    }

    #[tokio::test]
    async fn the_last_active_admin_stays() {
        let (pool, _dir) = test_pool().await;
        let admin = create(&pool, &input("boss", &[Role::Admin, Role::User]), "h")
            .await
            .unwrap();
        // Deactivating or demoting the only admin is refused and changes nothing.
        let err = set_status(&pool, admin.id, UserStatus::Inactive)
            .await
            .unwrap_err();
        assert!(
            err.for_field("status")
                .unwrap()
                .contains("last active admin")
        );
        let err = update(&pool, admin.id, &input("boss", &[Role::User]), None, None)
            .await
            .unwrap_err();
        assert!(err.for_field("role_admin").is_some());
        let mut inactive = input("boss", &[Role::Admin]);
        inactive.status = UserStatus::Inactive;
        assert!(
            update(&pool, admin.id, &inactive, None, None)
                .await
                .unwrap_err()
                .for_field("status")
                .is_some()
        );
        let still = get(&pool, admin.id).await.unwrap();
        assert_eq!(still.status, UserStatus::Active);
        assert_eq!(still.roles, vec![Role::Admin, Role::User]);

        // With a second active admin, the first may step down.
        create(&pool, &input("deputy", &[Role::Admin]), "h")
            .await
            .unwrap();
        set_status(&pool, admin.id, UserStatus::Inactive)
            .await
            .unwrap();
        assert_eq!(crate::auth::db::active_admin_count(&pool).await.unwrap(), 1);
    }
}
