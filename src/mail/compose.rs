//! Who hears of what, and the words they get: pure functions over what the outbox read
//! (a ticket, its changes of the last minute, the people who may hear of them), tested
//! without a database.

use super::model::{MailTopic, MailTopics};
use crate::tickets::model::{EventKind, TicketStatus};
use std::collections::BTreeMap;

/// The ticket the changes happened to, as it is when the mail is written.
#[derive(Debug, Clone)]
pub struct TicketFacts {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub requested_by: i64,
    pub assignee_id: Option<i64>,
    pub department_id: i64,
    pub department: String,
}

/// One change, from the ticket's history, or the ticket turning overdue.
#[derive(Debug, Clone)]
pub enum Happening {
    Event {
        kind: EventKind,
        actor: i64,
        actor_name: String,
        actor_is_staff: bool,
        from: Option<String>,
        to: Option<String>,
        comment: Option<String>,
        internal: bool,
    },
    Overdue,
}

/// Someone who may hear of a change.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub active: bool,
    pub staff: bool,
    pub department_id: Option<i64>,
    pub topics: MailTopics,
}

/// One thing a person is told, in a mail that may hold several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub topic: MailTopic,
    /// A sentence.
    pub line: String,
    /// Text quoted under it (a comment, a description).
    pub quote: Option<String>,
}

/// Staff whose department is the ticket's, or who have none (they see every department).
fn in_department(person: &Person, ticket: &TicketFacts) -> bool {
    person.staff
        && person
            .department_id
            .is_none_or(|d| d == ticket.department_id)
}

fn status_label(word: Option<&str>) -> &str {
    match word.map(TicketStatus::parse) {
        Some(Ok(s)) => s.label(),
        _ => word.unwrap_or("none"),
    }
}

/// Each person's items, by person id, in the order the changes happened. The rules of the
/// issue: the requester hears of the ticket's receipt, staff's public answers, status
/// changes and someone taking it; the assignee of being given it, the requester's comments
/// and it turning overdue; staff who opted in of new or unassigned overdue tickets in their
/// department. Never an internal note to anyone, never the person who made the change
/// (but the receipt of one's own ticket), never an inactive person, never a topic they
/// turned off.
pub fn notices(
    ticket: &TicketFacts,
    happenings: &[Happening],
    people: &BTreeMap<i64, Person>,
) -> BTreeMap<i64, Vec<Item>> {
    let mut out: BTreeMap<i64, Vec<Item>> = BTreeMap::new();
    let mut tell = |to: i64, actor: Option<i64>, item: Item| {
        let Some(person) = people.get(&to) else {
            return;
        };
        let own_receipt = item.topic == MailTopic::Received;
        if !person.active
            || (actor == Some(to) && !own_receipt)
            || !person.topics.contains(item.topic)
            || (item.topic.for_staff() && !person.staff)
        {
            return;
        }
        out.entry(to).or_default().push(item);
    };
    let assignee = ticket.assignee_id.and_then(|id| people.get(&id));
    for h in happenings {
        match h {
            Happening::Overdue => match ticket.assignee_id {
                Some(holder) => tell(
                    holder,
                    None,
                    Item {
                        topic: MailTopic::Overdue,
                        line: "This ticket is overdue.".into(),
                        quote: None,
                    },
                ),
                None => {
                    for p in people.values().filter(|p| in_department(p, ticket)) {
                        tell(
                            p.id,
                            None,
                            Item {
                                topic: MailTopic::UnassignedOverdue,
                                line: format!(
                                    "This ticket in {} is overdue and nobody holds it.",
                                    ticket.department
                                ),
                                quote: None,
                            },
                        );
                    }
                }
            },
            Happening::Event {
                kind,
                actor,
                actor_name,
                actor_is_staff,
                from,
                to,
                comment,
                internal,
            } => {
                let actor_id = Some(*actor);
                match kind {
                    EventKind::Created => {
                        tell(
                            ticket.requested_by,
                            actor_id,
                            Item {
                                topic: MailTopic::Received,
                                line: format!(
                                    "We received your ticket {}. We will answer here and by mail.",
                                    ticket.number
                                ),
                                quote: comment.clone(),
                            },
                        );
                        for p in people.values().filter(|p| in_department(p, ticket)) {
                            tell(
                                p.id,
                                actor_id,
                                Item {
                                    topic: MailTopic::DepartmentNew,
                                    line: format!(
                                        "{actor_name} filed a new ticket in {}:",
                                        ticket.department
                                    ),
                                    quote: comment.clone(),
                                },
                            );
                        }
                    }
                    EventKind::Comment if *internal => {}
                    EventKind::Comment if *actor == ticket.requested_by || !actor_is_staff => {
                        if let Some(holder) = assignee {
                            tell(
                                holder.id,
                                actor_id,
                                Item {
                                    topic: MailTopic::RequesterReplied,
                                    line: format!("{actor_name} commented:"),
                                    quote: comment.clone(),
                                },
                            );
                        }
                    }
                    EventKind::Comment => tell(
                        ticket.requested_by,
                        actor_id,
                        Item {
                            topic: MailTopic::Replied,
                            line: format!("{actor_name} answered:"),
                            quote: comment.clone(),
                        },
                    ),
                    EventKind::Status => tell(
                        ticket.requested_by,
                        actor_id,
                        Item {
                            topic: MailTopic::Status,
                            line: format!(
                                "{actor_name} changed the status from {} to {}.",
                                status_label(from.as_deref()),
                                status_label(to.as_deref())
                            ),
                            quote: None,
                        },
                    ),
                    EventKind::Assignee => {
                        let Some(taker) = to.as_deref().filter(|t| !t.is_empty()) else {
                            continue;
                        };
                        tell(
                            ticket.requested_by,
                            actor_id,
                            Item {
                                topic: MailTopic::Taken,
                                line: format!("{taker} is now working on your ticket."),
                                quote: None,
                            },
                        );
                        // Whoever holds it now, if this change gave it to them (a second
                        // change within the minute may have given it to someone else).
                        if let Some(holder) = assignee.filter(|h| h.username == taker) {
                            tell(
                                holder.id,
                                actor_id,
                                Item {
                                    topic: MailTopic::Assigned,
                                    line: format!("{actor_name} assigned this ticket to you."),
                                    quote: None,
                                },
                            );
                        }
                    }
                    EventKind::Department | EventKind::Priority => {}
                }
            }
        }
    }
    out
}

/// A mail's words, before it is addressed and signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The links a mail carries.
pub struct Links {
    pub ticket: String,
    pub preferences: String,
}

/// One template for every notice: a greeting, each item (a sentence, then the text it is
/// about, quoted), the ticket's link, and why this mail came with where to change that.
/// The HTML alternative says the same, every user text escaped.
pub fn render(ticket: &TicketFacts, to: &Person, items: &[Item], links: &Links) -> Body {
    use html_escape::{encode_double_quoted_attribute as attr, encode_text as esc};
    let subject = format!("[{}] {}", ticket.number, ticket.subject);
    let mut text = format!("Hello {},\n\n", to.username);
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5;color:#1a1a1a\">\
         <p>Hello {},</p>",
        esc(&to.username)
    );
    text.push_str(&format!("{} “{}”\n\n", ticket.number, ticket.subject));
    html.push_str(&format!(
        "<p><strong>{}</strong> “{}”</p>",
        esc(&ticket.number),
        esc(&ticket.subject)
    ));
    for item in items {
        text.push_str(&item.line);
        text.push('\n');
        html.push_str(&format!("<p>{}</p>", esc(&item.line)));
        if let Some(quote) = item.quote.as_deref().filter(|q| !q.trim().is_empty()) {
            for line in quote.lines() {
                text.push_str("> ");
                text.push_str(line);
                text.push('\n');
            }
            html.push_str(&format!(
                "<blockquote style=\"margin:0 0 1em;padding:0 1em;border-left:3px solid #767676;white-space:pre-wrap\">{}</blockquote>",
                esc(quote)
            ));
        }
        text.push('\n');
    }
    text.push_str(&format!("Open the ticket: {}\n", links.ticket));
    html.push_str(&format!(
        "<p><a href=\"{}\">Open the ticket {}</a></p>",
        attr(&links.ticket),
        esc(&ticket.number)
    ));
    let why = "You get this mail because of your mail choices on My account.";
    text.push_str(&format!(
        "\n-- \n{why} Change them: {}\n",
        links.preferences
    ));
    html.push_str(&format!(
        "<hr><p style=\"font-size:0.9em;color:#595959\">{why} <a href=\"{}\">Change them</a>.</p></body></html>",
        attr(&links.preferences)
    ));
    Body {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUESTER: i64 = 1;
    const AGENT: i64 = 2;
    const COLLEAGUE: i64 = 3;
    const ELSEWHERE: i64 = 4;
    const LEFT: i64 = 5;

    fn person(id: i64, name: &str, staff: bool, department: Option<i64>) -> Person {
        Person {
            id,
            username: name.into(),
            email: format!("{name}@example.com"),
            active: true,
            staff,
            department_id: department,
            topics: MailTopics::defaults(),
        }
    }

    fn people() -> BTreeMap<i64, Person> {
        let mut left = person(LEFT, "left", true, Some(7));
        left.active = false;
        left.topics = MailTopic::ALL.into_iter().collect();
        let mut colleague = person(COLLEAGUE, "colleague", true, Some(7));
        colleague.topics = MailTopic::ALL.into_iter().collect();
        let mut elsewhere = person(ELSEWHERE, "elsewhere", true, Some(8));
        elsewhere.topics = MailTopic::ALL.into_iter().collect();
        [
            person(REQUESTER, "requester", false, Some(7)),
            person(AGENT, "agent", true, Some(7)),
            colleague,
            elsewhere,
            left,
        ]
        .into_iter()
        .map(|p| (p.id, p))
        .collect()
    }

    fn ticket(assignee: Option<i64>) -> TicketFacts {
        TicketFacts {
            id: 42,
            number: "SR-2026-000042".into(),
            subject: "Printer <jammed>".into(),
            requested_by: REQUESTER,
            assignee_id: assignee,
            department_id: 7,
            department: "IT".into(),
        }
    }

    fn event(kind: EventKind, actor: i64, to: Option<&str>, comment: Option<&str>) -> Happening {
        let names = people();
        Happening::Event {
            kind,
            actor,
            actor_name: names[&actor].username.clone(),
            actor_is_staff: names[&actor].staff,
            from: Some("pending".into()),
            to: to.map(str::to_owned),
            comment: comment.map(str::to_owned),
            internal: false,
        }
    }

    fn topics(out: &BTreeMap<i64, Vec<Item>>, who: i64) -> Vec<MailTopic> {
        out.get(&who)
            .map(|items| items.iter().map(|i| i.topic).collect())
            .unwrap_or_default()
    }

    #[test]
    fn each_event_reaches_exactly_its_people() {
        let people = people();
        // Filed: the requester's receipt, and staff of the department who opted in.
        let out = notices(
            &ticket(None),
            &[event(EventKind::Created, REQUESTER, None, Some("It jams"))],
            &people,
        );
        assert_eq!(topics(&out, REQUESTER), [MailTopic::Received]);
        assert_eq!(topics(&out, COLLEAGUE), [MailTopic::DepartmentNew]);
        assert!(topics(&out, AGENT).is_empty(), "not opted in");
        assert!(topics(&out, ELSEWHERE).is_empty(), "another department");
        assert!(topics(&out, LEFT).is_empty(), "inactive");
        // Taken by the agent, by the agent: the requester hears, the agent (who did it) not.
        let out = notices(
            &ticket(Some(AGENT)),
            &[event(EventKind::Assignee, AGENT, Some("agent"), None)],
            &people,
        );
        assert_eq!(topics(&out, REQUESTER), [MailTopic::Taken]);
        assert!(topics(&out, AGENT).is_empty());
        // Given to the agent by a colleague: the agent hears of it.
        let out = notices(
            &ticket(Some(AGENT)),
            &[event(EventKind::Assignee, COLLEAGUE, Some("agent"), None)],
            &people,
        );
        assert_eq!(topics(&out, AGENT), [MailTopic::Assigned]);
        // The requester's comment: the assignee; staff's answer: the requester.
        let out = notices(
            &ticket(Some(AGENT)),
            &[
                event(EventKind::Comment, REQUESTER, None, Some("Still jams")),
                event(EventKind::Comment, AGENT, None, Some("On my way")),
                event(EventKind::Status, AGENT, Some("ongoing"), None),
            ],
            &people,
        );
        assert_eq!(topics(&out, AGENT), [MailTopic::RequesterReplied]);
        assert_eq!(
            topics(&out, REQUESTER),
            [MailTopic::Replied, MailTopic::Status]
        );
        assert_eq!(
            out[&REQUESTER][1].line,
            "agent changed the status from Pending to Ongoing."
        );
        // Overdue: the holder, or staff of the department who opted in.
        let out = notices(&ticket(Some(AGENT)), &[Happening::Overdue], &people);
        assert_eq!(topics(&out, AGENT), [MailTopic::Overdue]);
        assert!(topics(&out, COLLEAGUE).is_empty());
        let out = notices(&ticket(None), &[Happening::Overdue], &people);
        assert_eq!(topics(&out, COLLEAGUE), [MailTopic::UnassignedOverdue]);
        assert!(!out.contains_key(&REQUESTER) && !out.contains_key(&ELSEWHERE));
    }

    #[test]
    fn an_internal_note_reaches_nobody_and_turned_off_topics_are_not_sent() {
        let mut people = people();
        let note = Happening::Event {
            kind: EventKind::Comment,
            actor: AGENT,
            actor_name: "agent".into(),
            actor_is_staff: true,
            from: None,
            to: None,
            comment: Some("The requester is difficult".into()),
            internal: true,
        };
        assert!(notices(&ticket(Some(COLLEAGUE)), &[note], &people).is_empty());
        if let Some(p) = people.get_mut(&REQUESTER) {
            p.topics = p.topics.with(MailTopic::Replied, false);
        }
        let out = notices(
            &ticket(Some(AGENT)),
            &[event(EventKind::Comment, AGENT, None, Some("Done"))],
            &people,
        );
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn user_text_is_escaped_in_html_and_quoted_in_text() {
        let people = people();
        let t = ticket(None);
        let items = [Item {
            topic: MailTopic::Replied,
            line: "agent answered:".into(),
            quote: Some("<script>alert(1)</script>\nline two".into()),
        }];
        let links = Links {
            ticket: "https://help.example.com/tickets/SR-2026-000042".into(),
            preferences: "https://help.example.com/account#mail".into(),
        };
        let body = render(&t, &people[&REQUESTER], &items, &links);
        assert_eq!(body.subject, "[SR-2026-000042] Printer <jammed>");
        assert!(
            body.text
                .contains("> <script>alert(1)</script>\n> line two\n")
        );
        assert!(body.text.contains(&links.ticket) && body.text.contains(&links.preferences));
        assert!(!body.html.contains("<script>") && !body.html.contains("<jammed>"));
        assert!(
            body.html.contains("&lt;script&gt;") && body.html.contains("Printer &lt;jammed&gt;")
        );
        assert!(
            body.html
                .contains("href=\"https://help.example.com/tickets/SR-2026-000042\"")
        );
    }
}
