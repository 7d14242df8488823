//! The ticket queries against a real database.

use super::counts::counts_query;
use super::fulltext::{round_query, shown_query};
use super::list::list_query;
use super::sql::push_filter;
use super::*;
use crate::auth::model::CurrentUser;
use crate::base::db::test_pool;
use crate::base::db::{Backend, Pool, Sql};
use crate::tickets::model::*;
use crate::tickets::model::{MARK_END, MARK_START};
use crate::time::Day;
use std::collections::HashSet;

const JAN_2026: i64 = 1_767_225_600_000;

/// A public comment (not an internal note) as the form would post it.
fn public(text: &CommentText, device_no: &DeviceNo) -> NewCommentInput {
    NewCommentInput {
        text: text.clone(),
        device_no: device_no.clone(),
        internal: false,
    }
}

/// The user `id` as a comment's author, read as the guards read it.
/// A comment without files.
const NO_FILES: (&[String], &crate::files::model::Limits) =
    (&[], &crate::files::model::TEST_LIMITS);

async fn author(pool: &Pool, id: i64) -> CurrentUser {
    crate::auth::db::active_user(pool, id)
        .await
        .unwrap()
        .unwrap_or(CurrentUser {
            id,
            username: String::new(),
            email: String::new(),
            avatar_url: None,
            is_admin: false,
            is_staff: false,
            department_id: None,
            shortcuts: true,
            compact: false,
        })
}

async fn insert_user(pool: &Pool, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO users (username, email, password_hash, created_at, updated_at)
         VALUES ($1, $1 || '@example.com', 'x', 0, 0) RETURNING id",
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The maintained per-status counters equal a count of the rows.
async fn assert_counters_match(pool: &Pool) {
    let off: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (
           SELECT department_id, request_type_id, status, COUNT(*) FROM tickets GROUP BY 1, 2, 3
           EXCEPT SELECT * FROM ticket_counts WHERE n > 0) AS off",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let extra: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) - (SELECT COUNT(*) FROM tickets) FROM ticket_counts",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((off, extra), (0, 0), "counters differ from the rows");
    let comments_off: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets t
          WHERE t.comment_count <> (SELECT COUNT(*) FROM ticket_comments c
                                     WHERE c.ticket_id = t.id)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(comments_off, 0, "comment counts differ from the comments");
}

async fn insert_department(pool: &Pool, name: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO departments (name, created_at) VALUES ($1, 0) RETURNING id")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn fixture(pool: &Pool) -> NewTicket {
    let user = insert_user(pool, "ann").await;
    let dept = insert_department(pool, "IT").await;
    NewTicket {
        requested_by: user,
        request_type_id: 1,
        department_id: dept,
        subject: Subject::parse("Printer jam").unwrap(),
        description: CommentText::parse("Paper stuck\nin tray 2").unwrap(),
        device_no: DeviceNo::parse("PC-0042").unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn numbers_are_unique_and_well_formed_under_50_concurrent_creations() {
    let (pool, _dir) = test_pool().await;
    let ticket = std::sync::Arc::new(fixture(&pool).await);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (pool, ticket) = (pool.clone(), ticket.clone());
            tokio::spawn(async move { create(&pool, &ticket, NO_FILES, JAN_2026).await })
        })
        .collect();
    let mut numbers = HashSet::new();
    for task in tasks {
        let (_, number) = task.await.unwrap().unwrap();
        assert!(
            number.len() == 14 && number.starts_with("SR-2026-"),
            "{number}"
        );
        numbers.insert(number);
    }
    assert_eq!(numbers.len(), 50);
    assert!(numbers.contains("SR-2026-000001") && numbers.contains("SR-2026-000050"));
    let comments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_comments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(comments, 50, "each ticket starts with its description");
}

#[tokio::test]
async fn numbers_are_not_reused_after_a_delete_and_restart_each_year() {
    let (pool, _dir) = test_pool().await;
    let ticket = fixture(&pool).await;
    let (id, first) = create(&pool, &ticket, NO_FILES, JAN_2026).await.unwrap();
    sqlx::query("DELETE FROM tickets WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let (_, second) = create(&pool, &ticket, NO_FILES, JAN_2026).await.unwrap();
    assert_counters_match(&pool).await;
    let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_search")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        indexed, 2,
        "the deleted ticket's rows left the search index (the other's ticket and comment stay)"
    );
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("SR-2026-000001", "SR-2026-000002")
    );
    let next_year = JAN_2026 + 366 * 86_400_000;
    let (_, third) = create(&pool, &ticket, NO_FILES, next_year).await.unwrap();
    assert_eq!(third, "SR-2027-000001");
}

#[tokio::test]
async fn unknown_type_or_department_is_refused_and_stores_nothing() {
    let (pool, _dir) = test_pool().await;
    let mut ticket = fixture(&pool).await;
    ticket.request_type_id = 999;
    ticket.department_id = 999;
    let err = create(&pool, &ticket, NO_FILES, JAN_2026)
        .await
        .unwrap_err();
    assert!(err.for_field("request_type_id").is_some());
    assert!(err.for_field("department_id").is_some());
    let (tickets, sequences, events): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM ticket_sequences),
                (SELECT COUNT(*) FROM ticket_events)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (tickets, sequences, events),
        (0, 0, 0),
        "a refused change writes no history"
    );
}

/// Tickets over two departments, two types, two requesters and all statuses, several
/// sharing a start time so the id tiebreak of the keyset matters.
async fn many(pool: &Pool) -> (NewTicket, i64, i64) {
    let mut t = fixture(pool).await;
    let hr = insert_department(pool, "HR").await;
    let bob = insert_user(pool, "bob").await;
    let it = t.department_id;
    for i in 0..30i64 {
        t.department_id = if i % 2 == 0 { it } else { hr };
        t.request_type_id = if i % 3 == 0 { 1 } else { 2 };
        let ann = t.requested_by;
        if i % 5 == 0 {
            t.requested_by = bob;
        }
        t.subject = Subject::parse(&format!(
            "Ticket {i} {}",
            if i == 7 { "100% broken_" } else { "ok" }
        ))
        .unwrap();
        let (id, _) = create(pool, &t, NO_FILES, JAN_2026 + (i / 3) * 1000)
            .await
            .unwrap();
        t.requested_by = ann;
        let status = TicketStatus::ALL[(i % 3) as usize];
        set_status(pool, id, status, ann, JAN_2026 + 99_999)
            .await
            .unwrap();
        // Low, normal, high, urgent in turn (normal is the default: no change).
        let priority = Priority::ALL[(i % 4) as usize];
        set_priority(pool, id, priority, ann, JAN_2026 + 99_999)
            .await
            .unwrap();
    }
    (t, hr, bob)
}

/// The tickets `f` finds (a search's in list order), by the number in their subject.
async fn ids(pool: &Pool, f: &TicketFilter) -> Vec<String> {
    let found = if f.text.is_some() {
        let mut ranked = page(pool, f, PageAt::First, 1000).await.unwrap().tickets;
        ranked.sort_by_key(|t| std::cmp::Reverse((t.date_started, t.id)));
        ranked
    } else {
        list(pool, f, None, 1000).await.unwrap()
    };
    found
        .into_iter()
        .map(|t| {
            let plain = t.subject.replace([MARK_START, MARK_END], "");
            plain.split(' ').nth(1).unwrap().to_string()
        })
        .collect()
}

fn expected(pred: impl Fn(i64) -> bool) -> Vec<String> {
    // Newest first: higher start time first, then higher id (created later) first.
    (0..30i64)
        .rev()
        .filter(|i| pred(*i))
        .map(|i| i.to_string())
        .collect()
}

#[tokio::test]
async fn each_filter_and_their_combination_return_exactly_the_right_tickets() {
    let (pool, _dir) = test_pool().await;
    let (t, hr, bob) = many(&pool).await;
    let all = TicketFilter::default();
    assert_eq!(ids(&pool, &all).await, expected(|_| true));
    let by_status = TicketFilter {
        statuses: vec![TicketStatus::Ongoing, TicketStatus::Completed],
        ..all.clone()
    };
    assert_eq!(ids(&pool, &by_status).await, expected(|i| i % 3 != 0));
    let by_dept = TicketFilter {
        department_id: Some(hr),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &by_dept).await, expected(|i| i % 2 == 1));
    let by_type = TicketFilter {
        request_type_id: Some(1),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &by_type).await, expected(|i| i % 3 == 0));
    let by_requester = TicketFilter {
        requested_by: Some(bob),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &by_requester).await, expected(|i| i % 5 == 0));
    let mine = TicketFilter {
        requested_by: Some(t.requested_by),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &mine).await, expected(|i| i % 5 != 0));
    // Every word must match somewhere (number, subject or comment), as a prefix: "10"
    // matches subject "Ticket 10", ticket 7's "100%" and the bare number 10 (ticket i
    // has number i+1). A single letter or digit matches only itself.
    let by_text = TicketFilter {
        text: Some("tick 10".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(&pool, &by_text).await,
        expected(|i| i == 10 || i == 7 || i == 9)
    );
    let single = TicketFilter {
        text: Some("ticket 1".into()),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &single).await, expected(|i| i == 1 || i == 0));
    let by_number = TicketFilter {
        text: Some("SR-2026-000030".into()),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &by_number).await, vec!["29"]);
    // Punctuation only separates words: nothing typed is FTS5 syntax.
    let literal = TicketFilter {
        text: Some("100% \"broken_\" OR NEAR(".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(&pool, &literal).await,
        Vec::<String>::new(),
        "\"or\" and \"near\" are words"
    );
    let literal = TicketFilter {
        text: Some("100%* broken_".into()),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &literal).await, vec!["7"]);
    let no_words = TicketFilter {
        text: Some(" _ % ".into()),
        ..all.clone()
    };
    assert_eq!(ids(&pool, &no_words).await, expected(|_| true));
    let combined = TicketFilter {
        statuses: vec![TicketStatus::Pending],
        department_id: Some(hr),
        request_type_id: Some(1),
        text: Some("Ticket".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(&pool, &combined).await,
        expected(|i| i % 3 == 0 && i % 2 == 1)
    );
    let oldest = TicketFilter {
        sort: Sort::Oldest,
        ..all.clone()
    };
    let mut forward = expected(|_| true);
    forward.reverse();
    assert_eq!(ids(&pool, &oldest).await, forward);
    // The most urgent first (i % 4 is the priority's rank), newest first within each.
    let urgent_first = TicketFilter {
        sort: Sort::Priority,
        ..all.clone()
    };
    let by_rank: Vec<String> = (0..4)
        .rev()
        .flat_map(|rank| expected(move |i| i % 4 == rank))
        .collect();
    assert_eq!(ids(&pool, &urgent_first).await, by_rank);
    // With the priority filter only its priorities' walks run; other filters still apply.
    let high_or_low_in_hr = TicketFilter {
        sort: Sort::Priority,
        priorities: vec![Priority::Low, Priority::High],
        department_id: Some(hr),
        ..all.clone()
    };
    let high_then_low: Vec<String> = [2, 0]
        .into_iter()
        .flat_map(|rank| expected(move |i| i % 4 == rank && i % 2 == 1))
        .collect();
    assert_eq!(ids(&pool, &high_or_low_in_hr).await, high_then_low);

    let counts = status_counts(&pool, &by_dept).await.unwrap();
    assert_eq!(
        counts,
        vec![
            (TicketStatus::Pending, 5),
            (TicketStatus::Ongoing, 5),
            (TicketStatus::Completed, 5)
        ]
    );
    // The status filter does not narrow its own counts.
    assert_eq!(
        status_counts(&pool, &by_status).await.unwrap(),
        status_counts(&pool, &all).await.unwrap()
    );
}

/// Tickets started on six days, the later half finished two days after starting: the
/// day filters pick whole UTC days, both ends included, and count only what they list.
#[tokio::test]
async fn day_filters_take_whole_days_and_count_what_they_list() {
    let (pool, _dir) = test_pool().await;
    let t = fixture(&pool).await;
    let day = |n: i64| JAN_2026 + n * 86_400_000;
    for n in 0..6 {
        let t = NewTicket {
            requested_by: t.requested_by,
            request_type_id: t.request_type_id,
            department_id: t.department_id,
            subject: Subject::parse(&format!("Ticket {n}")).unwrap(),
            description: t.description.clone(),
            device_no: t.device_no.clone(),
        };
        // Late in the day: the filters must not cut a day at the hour.
        let (id, _) = create(&pool, &t, NO_FILES, day(n) + 23 * 3_600_000)
            .await
            .unwrap();
        if n >= 3 {
            set_status(
                &pool,
                id,
                TicketStatus::Completed,
                t.requested_by,
                day(n + 2),
            )
            .await
            .unwrap();
        }
    }
    let on = |from: i64, to: i64| DayRange {
        from: Some(Day::of_ms(day(from))),
        to: Some(Day::of_ms(day(to))),
    };
    let started = TicketFilter {
        started: on(1, 3),
        ..TicketFilter::default()
    };
    assert_eq!(ids(&pool, &started).await, ["3", "2", "1"]);
    let counts = status_counts(&pool, &started).await.unwrap();
    assert_eq!(
        counts,
        [
            (TicketStatus::Pending, 2),
            (TicketStatus::Ongoing, 0),
            (TicketStatus::Completed, 1)
        ]
    );
    // Finished on days 5 to 6: tickets 3 and 4 (ticket 5 finished on day 7).
    let finished = TicketFilter {
        statuses: vec![TicketStatus::Completed],
        finished: on(5, 6),
        ..TicketFilter::default()
    };
    assert_eq!(ids(&pool, &finished).await, ["4", "3"]);
    let open_ended = TicketFilter {
        started: DayRange {
            from: Some(Day::of_ms(day(4))),
            to: None,
        },
        ..TicketFilter::default()
    };
    assert_eq!(ids(&pool, &open_ended).await, ["5", "4"]);
    let reversed = TicketFilter {
        started: on(3, 1),
        ..TicketFilter::default()
    };
    assert!(ids(&pool, &reversed).await.is_empty());
}

#[tokio::test]
async fn text_search_ranks_matches_in_numbers_subjects_and_comments() {
    let (pool, _dir) = test_pool().await;
    let mut t = fixture(&pool).await;
    let ann = t.requested_by;
    let bob = insert_user(&pool, "bob").await;
    let mut make = async |subject: &str, by: i64| {
        t.subject = Subject::parse(subject).unwrap();
        t.requested_by = by;
        create(&pool, &t, NO_FILES, JAN_2026).await.unwrap().0
    };
    let printer = make("Printer on floor 2 is offline", ann).await;
    let toner = make("Toner", ann).await;
    let bobs = make("Printer for bob", bob).await;
    let note = CommentText::parse("The printer shows error E-42 after the toner change").unwrap();
    add_comment(
        &pool,
        toner,
        true,
        &author(&pool, ann).await,
        &public(&note, &DeviceNo::parse("").unwrap()),
        NO_FILES,
        JAN_2026 + 1,
    )
    .await
    .unwrap();
    let found = |text: &str, requester: Option<i64>| {
        let f = TicketFilter {
            text: Some(text.into()),
            requested_by: requester,
            ..Default::default()
        };
        let pool = pool.clone();
        async move {
            let page = page(&pool, &f, PageAt::First, 25).await.unwrap();
            assert!(page.ranked);
            page.tickets
                .into_iter()
                .map(|t| {
                    (
                        t.id,
                        format!("{} | {}", t.subject, t.snippet.unwrap_or_default()),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    // A subject match ranks above a comment-only match; prefixes work as you type.
    let hits = found("prin", Some(ann)).await;
    assert_eq!(
        hits.iter().map(|h| h.0).collect::<Vec<_>>(),
        [printer, toner]
    );
    // The subject comes marked; a comment snippet only where the comments matched.
    assert_eq!(
        hits[0].1,
        "\u{E000}Printer\u{E001} on floor 2 is offline | "
    );
    assert!(
        hits[1].1.starts_with("Toner | ")
            && hits[1]
                .1
                .contains("The \u{E000}printer\u{E001} shows error"),
        "{}",
        hits[1].1
    );
    // Long prefixes expand to the words written since (the vocabulary grows with each
    // write); one that stands for too many words is left to FTS5 and still finds them.
    assert_eq!(found("offli", Some(ann)).await[0].0, printer);
    let mut tx = pool.begin().await.unwrap();
    let many: Vec<String> = (0..70).map(|i| format!("zzword{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    add_terms(&mut tx, &many).await.unwrap();
    tx.commit().await.unwrap();
    assert!(found("zzwo", None).await.is_empty());
    let none = DeviceNo::parse("").unwrap();
    let text = CommentText::parse("see zzword42 too").unwrap();
    add_comment(
        &pool,
        toner,
        true,
        &author(&pool, 1).await,
        &public(&text, &none),
        NO_FILES,
        JAN_2026 + 50,
    )
    .await
    .unwrap();
    assert_eq!(found("zzwo", None).await[0].0, toner);
    assert_eq!(found("zzword4", None).await[0].0, toner);
    // Comment words, the number and the bare sequence number.
    assert_eq!(found("e-42", Some(ann)).await[0].0, toner);
    assert_eq!(found("SR-2026-000002", None).await[0].0, toner);
    assert_eq!(
        found("3", None)
            .await
            .iter()
            .map(|h| h.0)
            .collect::<Vec<_>>(),
        [bobs]
    );
    // Visibility: a requester filter (forced for users) keeps others' tickets out.
    let everyone: Vec<_> = found("printer", None)
        .await
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(everyone.len(), 3);
    assert!(
        !found("printer", Some(ann))
            .await
            .iter()
            .any(|h| h.0 == bobs)
    );
    assert!(found("bob", Some(ann)).await.is_empty());
    // The counts follow the search too.
    let f = TicketFilter {
        text: Some("toner".into()),
        ..Default::default()
    };
    assert_eq!(
        status_counts(&pool, &f).await.unwrap()[0],
        (TicketStatus::Pending, 1)
    );
}

#[tokio::test]
async fn keyset_pages_return_every_ticket_exactly_once() {
    let (pool, _dir) = test_pool().await;
    many(&pool).await;
    for sort in Sort::ALL {
        let f = TicketFilter {
            sort,
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = list(&pool, &f, after, 7).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|t| Cursor::of(t, sort));
            seen.extend(page.into_iter().map(|t| t.id));
        }
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (30, 30), "{sort:?}");
        let all: Vec<i64> = list(&pool, &f, None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(seen, all, "pages concatenate to the full list");
    }
}

#[tokio::test]
async fn pages_walk_forward_and_back_over_every_ticket() {
    let (pool, _dir) = test_pool().await;
    many(&pool).await;
    // Each order, across the priorities' walks for the priority order (12 a page).
    for sort in Sort::ALL {
        let f = TicketFilter {
            sort,
            ..Default::default()
        };
        let first = page(&pool, &f, PageAt::First, 12).await.unwrap();
        assert_eq!((first.tickets.len(), first.prev), (12, None));
        let second = page(&pool, &f, PageAt::After(first.next.unwrap()), 12)
            .await
            .unwrap();
        let third = page(&pool, &f, PageAt::After(second.next.unwrap()), 12)
            .await
            .unwrap();
        assert_eq!((third.tickets.len(), third.next), (6, None));
        let all: Vec<i64> = [&first, &second, &third]
            .iter()
            .flat_map(|p| p.tickets.iter().map(|t| t.id))
            .collect();
        let expected: Vec<i64> = list(&pool, &f, None, 100)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(all, expected);
        let back = page(&pool, &f, PageAt::Before(third.prev.unwrap()), 12)
            .await
            .unwrap();
        assert_eq!(back.tickets, second.tickets);
        assert_eq!(back.next, second.next);
        let home = page(&pool, &f, PageAt::Before(back.prev.unwrap()), 12)
            .await
            .unwrap();
        assert_eq!((home.tickets, home.prev), (first.tickets, None));
        assert_eq!(
            first.counts.iter().map(|c| c.1).sum::<i64>(),
            30,
            "counts cover every matching ticket, not just the page"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_comments_are_batched_each_where_it_belongs() {
    let (pool, _dir) = test_pool().await;
    let ticket = fixture(&pool).await;
    let (a, _) = create(&pool, &ticket, NO_FILES, JAN_2026).await.unwrap();
    let (b, _) = create(&pool, &ticket, NO_FILES, JAN_2026 + 1)
        .await
        .unwrap();
    let none = DeviceNo::parse("").unwrap();
    // 60 writers at once: the writer takes those waiting together into one transaction.
    let writes = (0..60).map(|i| {
        let (pool, none) = (pool.clone(), none.clone());
        tokio::spawn(async move {
            let ticket_id = if i % 2 == 0 { a } else { b };
            let text = CommentText::parse(&format!("Reply {i} about the zeppelin")).unwrap();
            let by = author(&pool, 1).await;
            let added = add_comment(
                &pool,
                ticket_id,
                true,
                &by,
                &public(&text, &none),
                NO_FILES,
                JAN_2026 + 10 + i,
            )
            .await
            .unwrap();
            (i, ticket_id, added)
        })
    });
    let mut ids = Vec::new();
    for write in writes.collect::<Vec<_>>() {
        let (i, ticket_id, added) = write.await.unwrap();
        // Each writer gets its own comment back, on its own ticket.
        assert_eq!(added.comment_text, format!("Reply {i} about the zeppelin"));
        assert_eq!(added.created_at, JAN_2026 + 10 + i);
        let on: i64 = sqlx::query_scalar("SELECT ticket_id FROM ticket_comments WHERE id = $1")
            .bind(added.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(on, ticket_id);
        ids.push(added.id);
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    // One history entry per comment, and the words are searchable.
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ticket_events WHERE kind = 'comment' AND comment_id IN
           (SELECT id FROM ticket_comments WHERE comment_text LIKE 'Reply %')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(events, 60);
    let f = TicketFilter {
        text: Some("zeppel".into()),
        ..Default::default()
    };
    assert_eq!(
        page(&pool, &f, PageAt::First, 10)
            .await
            .unwrap()
            .tickets
            .len(),
        2
    );
    assert_counters_match(&pool).await;
}

#[tokio::test]
async fn comments_and_department_changes() {
    let (pool, _dir) = test_pool().await;
    let ticket = fixture(&pool).await;
    let (id, number) = create(&pool, &ticket, NO_FILES, JAN_2026).await.unwrap();
    assert_eq!(
        owner(&pool, &number).await.unwrap(),
        (id, ticket.requested_by, true)
    );
    assert_eq!(
        owner(&pool, "SR-2026-999999").await,
        Err(AppError::NotFound)
    );
    let text = CommentText::parse("Still jammed").unwrap();
    let added = add_comment(
        &pool,
        id,
        true,
        &author(&pool, ticket.requested_by).await,
        &public(&text, &DeviceNo::parse("").unwrap()),
        NO_FILES,
        JAN_2026 + 5,
    )
    .await
    .unwrap();
    assert_eq!((added.author.as_str(), added.device_no), ("ann", None));
    let hr = insert_department(&pool, "HR").await;
    let by = ticket.requested_by;
    set_department(&pool, id, hr, by, JAN_2026 + 6)
        .await
        .unwrap();
    assert_eq!(detail(&pool, id, None).await.unwrap().department, "HR");
    let err = set_department(&pool, id, 999, by, JAN_2026 + 7)
        .await
        .unwrap_err();
    assert!(err.for_field("department_id").is_some());
    assert_eq!(detail(&pool, id, None).await.unwrap().department_id, hr);
    assert_counters_match(&pool).await;
    // Moving to where it already is changes and records nothing.
    set_department(&pool, id, hr, by, JAN_2026 + 8)
        .await
        .unwrap();
    set_status(&pool, id, TicketStatus::Pending, by, JAN_2026 + 9)
        .await
        .unwrap();

    let history = history(&pool, id, true, None).await.unwrap().entries;
    let lines: Vec<_> = history
        .iter()
        .map(|e| {
            format!(
                "{} {} {:?}>{:?} {:?}",
                e.kind.as_str(),
                e.actor,
                e.from_value,
                e.to_value,
                e.comment_text
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "created ann None>Some(\"pending\") Some(\"Paper stuck\\nin tray 2\")",
            "comment ann None>None Some(\"Still jammed\")",
            "department ann Some(\"IT\")>Some(\"HR\") None",
        ]
    );
    assert_eq!(history[0].device_no.as_deref(), Some("PC-0042"));
}

/// `pool` filled by the demo seeder (`helpdesk seed`) as of `JAN_2026`.
async fn seeded(pool: &Pool, tickets: u64, comments_per_ticket: u64, users: u64, seed: u64) {
    let plan = crate::server::seed::SeedPlan {
        tickets,
        comments_per_ticket,
        users,
        password: "demo-password".into(),
        force: false,
        seed,
        progress: false,
    };
    crate::server::seed::seed(pool, &plan, JAN_2026)
        .await
        .unwrap();
}

/// The plan SQLite picks for `q`, one step per line.
async fn plan(pool: &Pool, mut q: Sql<'_>) -> String {
    let rows: Vec<(i64, i64, i64, String)> = q.build_query_as().fetch_all(pool).await.unwrap();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

/// Steps that read a whole table of tickets, comments or history (by their names or the
/// aliases the queries give them), or sort a list instead of reading it in index order.
fn full_scans(plan: &str) -> Vec<&str> {
    let big = [
        "t",
        "c",
        "bc",
        "e",
        "tickets",
        "ticket_comments",
        "ticket_events",
    ];
    plan.lines()
        .filter(|line| {
            let step = line.trim();
            let scans_big = step
                .strip_prefix("SCAN ")
                .is_some_and(|rest| big.contains(&rest));
            scans_big || step.contains("TEMP B-TREE FOR ORDER BY")
        })
        .collect()
}

/// `sqlite_stat1` of a seeded database of a million tickets (bench/run's, seeded at
/// c88843d: the seeder's own ANALYZE, which samples, hence the 2001s).
const MILLION_STATS: [(&str, &str, &str); 31] = [
    ("departments", "sqlite_autoindex_departments_1", "12 1"),
    ("request_types", "sqlite_autoindex_request_types_1", "8 1"),
    ("ticket_comments", "ticket_comments_thread", "5001543 5 1 1"),
    ("ticket_comments", "ticket_comments_user", "5001543 2001"),
    ("ticket_counts", "ticket_counts", "288 24 3 1"),
    ("ticket_events", "ticket_events_comment", "7891079 2"),
    ("ticket_events", "ticket_events_ticket", "7891079 8 2 1"),
    ("ticket_search_config", "ticket_search_config", "2 1"),
    ("ticket_search_idx", "ticket_search_idx", "33626 2001 1"),
    ("tickets", "sqlite_autoindex_tickets_1", "1000000 1"),
    ("tickets", "tickets_assignee_started", "1000000 2001 1 1"),
    // Added after that seed (migration 0019): 1,000,000 / 51 assignees (and nobody), / 3;
    // the open tickets' due times by status.
    ("tickets", "tickets_assignee_status", "1000000 19608 6536"),
    ("tickets", "tickets_due_ongoing", "56089 1"),
    ("tickets", "tickets_due_pending", "45280 1"),
    ("tickets", "tickets_department_started", "1000000 2001 1 1"),
    ("tickets", "tickets_finished", "898631 1 1"),
    ("tickets", "tickets_finished_sla", "898631 1 1 1 1"),
    ("tickets", "tickets_next_due", "101369 2"),
    ("tickets", "tickets_open_assignee", "101369 1334 1001"),
    ("tickets", "tickets_priority_started", "1000000 2001 1 1"),
    ("tickets", "tickets_requester_started", "1000000 2001 1 1"),
    (
        "tickets",
        "tickets_requester_status",
        "1000000 2001 2001 1001 161",
    ),
    ("tickets", "tickets_started", "1000000 1 1"),
    ("tickets", "tickets_status_started", "1000000 2001 1 1"),
    ("tickets", "tickets_type_started", "1000000 2001 1 1"),
    ("user_roles", "user_roles", "1060 1 1"),
    ("user_roles", "user_roles_role", "1060 354 1"),
    ("users", "sqlite_autoindex_users_1", "1000 1"),
    ("users", "sqlite_autoindex_users_2", "1000 1"),
    ("users", "users_department", "1000 84"),
    ("sla_policies", "sqlite_autoindex_sla_policies_1", "4 1"),
];

/// Every list, count and search statement, for every kind of filter, on a seeded and
/// analysed database: none reads a whole table of tickets or comments. This fails when a
/// change makes any of them scan, which at a million tickets is a collapse.
#[tokio::test]
async fn every_list_count_and_search_query_uses_an_index() {
    let (pool, _dir) = crate::base::db::sqlite_test_pool().await;
    seeded(&pool, 3_000, 4, 100, 3).await;
    // The planner's statistics of the benchmark's database (1,000,000 tickets, 5,000,000
    // comments), so the plans are the ones a big database gets: with a small one's, a
    // plan that sorts every ticket looked fine here and took 0.7 s there.
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    // Only the million's figures: samples (sqlite_stat4) of these 3,000 tickets would
    // decide some plans by which values happened to be sampled (a CI run sorted an agent's
    // tickets that the same commit here read in order).
    for stats in ["sqlite_stat1", "sqlite_stat4"] {
        sqlx::query(&format!("DELETE FROM {stats}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    for (tbl, idx, stat) in MILLION_STATS {
        sqlx::query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ($1, $2, $3)")
            .bind(tbl)
            .bind(idx)
            .bind(stat)
            .execute(&pool)
            .await
            .unwrap();
    }
    // Each connection reads the statistics when it opens, and `ANALYZE sqlite_schema`
    // reloads them in its own alone: the pool's other connections kept the 3,000 tickets'
    // (the ANALYZE above), so a plan read on one of them was that small database's (the
    // full run, busier, failed now and then). The plans are read on fresh connections.
    pool.close().await;
    let pool = crate::base::db::connect(&crate::base::db::Database::file(
        &_dir.path().join("test.db"),
    ))
    .await
    .unwrap();
    let base = TicketFilter::default();
    let filters = [
        base.clone(),
        TicketFilter {
            requested_by: Some(5),
            ..base.clone()
        },
        TicketFilter {
            department_id: Some(2),
            ..base.clone()
        },
        TicketFilter {
            request_type_id: Some(2),
            ..base.clone()
        },
        TicketFilter {
            statuses: vec![TicketStatus::Ongoing],
            ..base.clone()
        },
        TicketFilter {
            statuses: vec![TicketStatus::Pending, TicketStatus::Ongoing],
            department_id: Some(2),
            ..base.clone()
        },
        TicketFilter {
            requested_by: Some(5),
            department_id: Some(2),
            ..base.clone()
        },
        TicketFilter {
            sort: Sort::Oldest,
            ..base.clone()
        },
        TicketFilter {
            sort: Sort::Priority,
            ..base.clone()
        },
        TicketFilter {
            sort: Sort::Priority,
            statuses: vec![TicketStatus::Pending, TicketStatus::Ongoing],
            assigned: Some(Assigned::Nobody),
            ..base.clone()
        },
        // An agent's queue, the unassigned, a colleague's, a deactivated agent's.
        TicketFilter {
            assigned: Some(Assigned::To(5)),
            statuses: vec![TicketStatus::Pending, TicketStatus::Ongoing],
            ..base.clone()
        },
        TicketFilter {
            assigned: Some(Assigned::Nobody),
            ..base.clone()
        },
        TicketFilter {
            priorities: vec![Priority::Urgent],
            ..base.clone()
        },
        TicketFilter {
            assigned: Some(Assigned::To(7)),
            ..base.clone()
        },
        TicketFilter {
            assigned: Some(Assigned::Inactive),
            ..base.clone()
        },
        // Overdue, and due by the end of the day.
        TicketFilter {
            due: Some(DueFilter::Overdue),
            due_window: Some((JAN_2026, JAN_2026 + 86_400_000)),
            ..base.clone()
        },
        TicketFilter {
            due: Some(DueFilter::Today),
            due_window: Some((JAN_2026, JAN_2026 + 86_400_000)),
            assigned: Some(Assigned::To(5)),
            ..base.clone()
        },
        // The dashboard's links: a week's new tickets, and a week's finished ones.
        TicketFilter {
            started: DayRange {
                from: Some(Day::of_ms(JAN_2026 - 7 * 86_400_000)),
                to: Some(Day::of_ms(JAN_2026 - 86_400_000)),
            },
            ..base.clone()
        },
        TicketFilter {
            statuses: vec![TicketStatus::Completed],
            finished: DayRange {
                from: Some(Day::of_ms(JAN_2026 - 7 * 86_400_000)),
                to: Some(Day::of_ms(JAN_2026 - 86_400_000)),
            },
            department_id: Some(2),
            ..base.clone()
        },
    ];
    let cursor = Cursor {
        date_started: JAN_2026 - 1,
        id: 1500,
        priority: None,
    };
    let ep = "EXPLAIN QUERY PLAN ";
    for f in &filters {
        let cursor = Cursor {
            priority: (f.sort == Sort::Priority).then_some(Priority::High),
            ..cursor
        };
        for after in [None, Some(cursor)] {
            let p = plan(&pool, list_query(ep, Backend::Sqlite, f, after, 26)).await;
            // By priority, SQLite merges the walks' pages (each at most 26 rows read in
            // index order), sorting each page ("SCAN w0" then a sort): a page, not the table.
            let p = if f.sort == Sort::Priority {
                let lines: Vec<&str> = p.lines().collect();
                let kept: Vec<&str> = lines
                    .iter()
                    .enumerate()
                    .filter(|(i, line)| {
                        let after_walk = *i > 0 && lines[i - 1].trim().starts_with("SCAN w");
                        !(after_walk && line.contains("TEMP B-TREE FOR ORDER BY"))
                    })
                    .map(|(_, line)| *line)
                    .collect();
                kept.join("\n")
            } else {
                p
            };
            // An assignee's open tickets, or the deactivated agents' tickets, are read from
            // the assignee index and then sorted: a sort of what one person (or the people
            // who left) holds, not of the table; bench/run measures it at a million.
            // Likewise the tickets due today: a day's range of the due index, sorted.
            let sorts_a_queue = matches!(
                (f.assigned, f.statuses.is_empty()),
                (Some(Assigned::To(_)), false) | (Some(Assigned::Inactive), _)
            ) || f.due == Some(DueFilter::Today);
            let scans: Vec<&str> = full_scans(&p)
                .into_iter()
                .filter(|step| !(sorts_a_queue && step.contains("TEMP B-TREE FOR ORDER BY")))
                .collect();
            assert!(scans.is_empty(), "list {f:?}:\n{p}");
        }
        let p = plan(&pool, counts_query(ep, Backend::Sqlite, f)).await;
        assert!(full_scans(&p).is_empty(), "counts {f:?}:\n{p}");
        // The counters of every department and type are read in status order, not sorted
        // by their status text for each list page (migration 0025).
        if *f == base {
            assert!(!p.contains("TEMP B-TREE"), "counts {f:?}:\n{p}");
        }
        // An agent's tickets and the overdue ones are tens of thousands at a million: they
        // are counted from an index alone, not by reading each ticket's row.
        let only = f.department_id.is_none()
            && f.request_type_id.is_none()
            && f.requested_by.is_none()
            && f.priorities.is_empty()
            && !f.started.is_set()
            && !f.finished.is_set();
        if only && matches!(f.assigned, Some(Assigned::To(_))) && f.due.is_none() {
            assert!(p.contains("COVERING INDEX"), "counts {f:?}:\n{p}");
        }
        if only && f.assigned.is_none() && f.due.is_some() {
            assert!(
                p.contains("USING INDEX tickets_due_pending")
                    && p.contains("USING INDEX tickets_due_ongoing"),
                "counts {f:?}:\n{p}"
            );
        }
        let p = plan(&pool, round_query(ep, f, "\"printer\"*", i64::MAX)).await;
        assert!(full_scans(&p).is_empty(), "search round {f:?}:\n{p}");
        // FTS5 reads newest first itself (the rowid order is consumed): no sort of all
        // the matches.
        assert!(!p.contains("TEMP B-TREE"), "search round {f:?}:\n{p}");
    }
    let p = plan(
        &pool,
        shown_query(ep, Backend::Sqlite, "[[1,null,0],[2,7,1]]".into()),
    )
    .await;
    assert!(full_scans(&p).is_empty(), "search rows:\n{p}");
    // The counters agree with the rows they count.
    for f in &filters {
        let rows: Vec<(String, i64)> = {
            let mut q = Sql::new("SELECT t.status, COUNT(*) FROM tickets t WHERE 1 = 1");
            push_filter(&mut q, f, false);
            q.push(" GROUP BY t.status");
            q.build_query_as().fetch_all(&pool).await.unwrap()
        };
        let counts = status_counts(&pool, f).await.unwrap();
        for (status, n) in counts {
            let real = rows
                .iter()
                .find(|r| r.0 == status.as_str())
                .map_or(0, |r| r.1);
            assert_eq!(n, real, "{f:?} {status:?}");
        }
    }
}

/// The overdue at a million are tens of thousands: each status's count stops at
/// `COUNT_CAP` (the list says "10,000+"), and one under the cap stays exact.
#[tokio::test]
async fn due_counts_stop_at_the_cap() {
    let (pool, _dir) = crate::base::db::sqlite_test_pool().await;
    seeded(&pool, COUNT_CAP as u64 + 300, 1, 20, 5).await;
    // COUNT_CAP + 10 pending overdue, 7 ongoing overdue, the rest not due (`next_due` is
    // the resolution target once answered).
    for sql in [
        "UPDATE tickets SET first_response_at = 0, resolution_due = NULL",
        "UPDATE tickets SET status = 'pending', date_finished = NULL, resolution_due = 1
          WHERE id <= $1",
        "UPDATE tickets SET status = 'ongoing', date_finished = NULL, resolution_due = 2
          WHERE id > $1 AND id <= $1 + 7",
    ] {
        sqlx::query(sql)
            .bind(COUNT_CAP + 10)
            .execute(&pool)
            .await
            .unwrap();
    }
    let overdue = TicketFilter {
        due: Some(DueFilter::Overdue),
        due_window: Some((JAN_2026, JAN_2026 + 86_400_000)),
        ..TicketFilter::default()
    };
    assert_eq!(
        status_counts(&pool, &overdue).await.unwrap(),
        vec![
            (TicketStatus::Pending, COUNT_CAP),
            (TicketStatus::Ongoing, 7),
            (TicketStatus::Completed, 0)
        ]
    );
    // The page says which counts stopped; an exact count is never marked, however large.
    let page = page(&pool, &overdue, PageAt::First, PAGE_SIZE)
        .await
        .unwrap();
    assert_eq!(page.capped, vec![TicketStatus::Pending]);
    let all = super::list::page(&pool, &TicketFilter::default(), PageAt::First, PAGE_SIZE)
        .await
        .unwrap();
    assert!(
        all.counts.iter().any(|(_, n)| *n > COUNT_CAP),
        "{:?}",
        all.counts
    );
    assert!(all.capped.is_empty());
}

#[tokio::test]
async fn history_is_written_with_its_change_or_neither_is() {
    let (pool, _dir) = test_pool().await;
    let ticket = fixture(&pool).await;
    let by = ticket.requested_by;
    let (id, _) = create(&pool, &ticket, NO_FILES, JAN_2026).await.unwrap();
    set_status(&pool, id, TicketStatus::Ongoing, by, JAN_2026 + 1)
        .await
        .unwrap();
    set_status(&pool, id, TicketStatus::Completed, by, JAN_2026 + 2)
        .await
        .unwrap();
    let steps = |h: Vec<HistoryEntry>| -> Vec<String> {
        h.into_iter()
            .map(|e| format!("{}:{:?}>{:?}", e.kind.as_str(), e.from_value, e.to_value))
            .collect()
    };
    let before = steps(history(&pool, id, true, None).await.unwrap().entries);
    assert_eq!(
        before,
        [
            "created:None>Some(\"pending\")",
            "status:Some(\"pending\")>Some(\"ongoing\")",
            "status:Some(\"ongoing\")>Some(\"completed\")",
        ]
    );

    // History that cannot be written takes its change down with it.
    sqlx::raw_sql(match Backend::of(&pool) {
        Backend::Sqlite => {
            "CREATE TRIGGER fail_history BEFORE INSERT ON ticket_events
             BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        }
        Backend::Postgres => {
            "CREATE FUNCTION fail_history() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'disk full'; END $$;
             CREATE TRIGGER fail_history BEFORE INSERT ON ticket_events
             FOR EACH ROW EXECUTE FUNCTION fail_history()"
        }
    })
    .execute(&pool)
    .await
    .unwrap();
    let other = insert_department(&pool, "HR").await;
    assert!(
        set_status(&pool, id, TicketStatus::Pending, by, JAN_2026 + 3)
            .await
            .is_err()
    );
    assert!(
        set_department(&pool, id, other, by, JAN_2026 + 3)
            .await
            .is_err()
    );
    let text = CommentText::parse("lost").unwrap();
    let none = DeviceNo::parse("").unwrap();
    assert!(
        add_comment(
            &pool,
            id,
            true,
            &author(&pool, by).await,
            &public(&text, &none),
            NO_FILES,
            JAN_2026 + 3
        )
        .await
        .is_err()
    );
    assert!(
        create(&pool, &ticket, NO_FILES, JAN_2026 + 3)
            .await
            .is_err()
    );
    let after = detail(&pool, id, None).await.unwrap();
    assert_eq!(
        (after.status, after.date_finished, after.department),
        (
            TicketStatus::Completed,
            Some(JAN_2026 + 2),
            "IT".to_string()
        )
    );
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM ticket_comments),
                (SELECT last FROM ticket_sequences)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counts, (1, 1, 1), "no ticket, comment or number was kept");
    sqlx::query(match Backend::of(&pool) {
        Backend::Sqlite => "DROP TRIGGER fail_history",
        Backend::Postgres => "DROP TRIGGER fail_history ON ticket_events",
    })
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        steps(history(&pool, id, true, None).await.unwrap().entries),
        before
    );

    // And history is append-only in the database itself.
    let edit = sqlx::query("UPDATE ticket_events SET to_value = 'pending'")
        .execute(&pool)
        .await;
    assert!(edit.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn completing_sets_the_finished_date_and_reopening_clears_it() {
    let (pool, _dir) = test_pool().await;
    let ticket = fixture(&pool).await;
    let (id, _) = create(&pool, &ticket, NO_FILES, JAN_2026).await.unwrap();
    let finished = |pool: Pool| async move {
        sqlx::query_as::<_, (String, Option<i64>)>(
            "SELECT status, date_finished FROM tickets WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    set_status(
        &pool,
        id,
        TicketStatus::Ongoing,
        ticket.requested_by,
        JAN_2026 + 1,
    )
    .await
    .unwrap();
    assert_eq!(finished(pool.clone()).await, ("ongoing".into(), None));
    set_status(
        &pool,
        id,
        TicketStatus::Completed,
        ticket.requested_by,
        JAN_2026 + 2,
    )
    .await
    .unwrap();
    assert_eq!(
        finished(pool.clone()).await,
        ("completed".into(), Some(JAN_2026 + 2))
    );
    // Completing again keeps the first finish time.
    set_status(
        &pool,
        id,
        TicketStatus::Completed,
        ticket.requested_by,
        JAN_2026 + 3,
    )
    .await
    .unwrap();
    assert_eq!(finished(pool.clone()).await.1, Some(JAN_2026 + 2));
    set_status(
        &pool,
        id,
        TicketStatus::Pending,
        ticket.requested_by,
        JAN_2026 + 4,
    )
    .await
    .unwrap();
    assert_eq!(finished(pool.clone()).await, ("pending".into(), None));
    assert_counters_match(&pool).await;
    assert_eq!(
        set_status(&pool, 999, TicketStatus::Ongoing, ticket.requested_by, 0).await,
        Err(AppError::NotFound)
    );
}

/// PostgreSQL's bounded search (issue 25): once ANALYZE has counted the words, a common one
/// is looked for in the newest rows and a rare one in the index over all of history; either
/// way a requester finds only their own tickets and never a staff note's words, and an
/// index statement that runs too long is cut off without spoiling the connection. Small
/// bounds reach each path on a few rows.
#[tokio::test]
async fn postgres_search_reads_the_newest_rows_for_common_words_and_the_index_for_rare_ones() {
    use super::fulltext::{BOUNDS, Bounds, rarest_word, search, search_query, within};
    use crate::tickets::search::words;
    let (pool, _dir) = test_pool().await;
    if Backend::of(&pool) != Backend::Postgres {
        return;
    }
    let mut t = fixture(&pool).await;
    let ann = t.requested_by;
    let bob = insert_user(&pool, "bob").await;
    let mut made = Vec::new();
    for i in 0..60 {
        t.subject = Subject::parse(&format!("Printer {i} offline")).unwrap();
        t.requested_by = if i % 2 == 0 { ann } else { bob };
        made.push(create(&pool, &t, NO_FILES, JAN_2026 + i).await.unwrap().0);
    }
    // The oldest ticket holds the one rare word; a staff note on one of ann's tickets the
    // words "printer" and "toner" together, which nothing else has.
    sqlx::query("UPDATE tickets SET subject = 'Zeppelin printer' WHERE id = $1")
        .bind(made[0])
        .execute(&pool)
        .await
        .unwrap();
    let note = NewCommentInput {
        text: CommentText::parse("printer toner swapped, see the invoice").unwrap(),
        device_no: DeviceNo::parse("").unwrap(),
        internal: true,
    };
    let staff = author(&pool, 1).await;
    add_comment(
        &pool,
        made[2],
        false,
        &staff,
        &note,
        NO_FILES,
        JAN_2026 + 100,
    )
    .await
    .unwrap();
    sqlx::query("ANALYZE ticket_search")
        .execute(&pool)
        .await
        .unwrap();
    let tiny = Bounds {
        indexed_rows: 10.0,
        index_timeout_ms: 5_000,
        recent_rows: 20,
        own_recent_rows: 10,
        recent_matches: 8,
    };

    // By the statistics: "printer" (120 rows, and a prefix of it) is common, "zeppelin"
    // (2 rows) and a word nobody wrote are rare, and the rarest of several words is taken.
    let mut conn = pool.acquire().await.unwrap();
    for (typed, rarest) in [
        ("printer", None),
        ("print", None),
        ("zeppelin", Some("zeppelin")),
        ("printer zeppe", Some("zeppe")),
        ("quasar", Some("quasar")),
    ] {
        let found = rarest_word(&mut conn, &words(typed), tiny.indexed_rows)
            .await
            .unwrap();
        assert_eq!(found.map(|w| w.text).as_deref(), rarest, "{typed}");
    }

    let find = async |text: &str, requester: Option<i64>, bounds: &Bounds| {
        let f = TicketFilter {
            text: Some(text.into()),
            requested_by: requester,
            staff: requester.is_none(),
            ..Default::default()
        };
        let query = search_query(&pool, &f).await.unwrap().unwrap();
        let found = search(&pool, &f, &query, SEARCH_LIMIT, bounds)
            .await
            .unwrap();
        let ids: Vec<i64> = found.tickets.iter().map(|t| t.id).collect();
        (ids, found.more_matches)
    };
    // A common word in the newest rows: all of them with the app's bounds, newest first;
    // with small windows only the newest, and older matches reported.
    let (all, more) = find("printer", None, &BOUNDS).await;
    assert_eq!((all.len(), all[0], more), (50, made[59], false));
    let (newest, more) = find("printer", None, &tiny).await;
    assert!(
        more && newest[0] == made[59] && newest.len() <= 9,
        "{newest:?}"
    );
    assert!(!newest.contains(&made[10]), "{newest:?}");
    // A requester's own rows only, hers (even-numbered), never the note's words.
    for bounds in [&BOUNDS, &tiny] {
        let (hers, _) = find("printer", Some(ann), bounds).await;
        assert!(!hers.is_empty());
        for id in &hers {
            let i = made.iter().position(|m| m == id).unwrap();
            assert_eq!(i % 2, 0, "bob's ticket {id} found for ann");
        }
        assert!(find("printer toner", Some(ann), bounds).await.0.is_empty());
        assert_eq!(find("printer toner", None, bounds).await.0, [made[2]]);
    }
    // A rare word: the index, over all of history, past any window (the oldest ticket).
    assert_eq!(find("zeppelin", None, &tiny).await, (vec![made[0]], false));
    assert_eq!(
        find("zeppelin printer", Some(ann), &tiny).await.0,
        [made[0]]
    );
    assert!(find("zeppelin", Some(bob), &tiny).await.0.is_empty());

    // An index statement that runs over its time is cancelled and reported as None; the
    // connection then answers as before (no statement timeout left on it).
    let mut slow =
        Sql::new("SELECT CAST(1 AS BIGINT), CAST(NULL AS BIGINT), CAST(pg_sleep(0.5) AS TEXT)");
    let started = std::time::Instant::now();
    assert_eq!(within(&mut conn, 50, &mut slow).await.unwrap(), None);
    assert!(started.elapsed() < std::time::Duration::from_millis(400));
    let mut quick = Sql::new("SELECT CAST(1 AS BIGINT), CAST(2 AS BIGINT), 'x'");
    assert_eq!(
        within(&mut conn, 50, &mut quick).await.unwrap(),
        Some((1, Some(2), "x".to_string()))
    );
    let timeout: String = sqlx::query_scalar("SELECT current_setting('statement_timeout')")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(timeout, "0");
}
