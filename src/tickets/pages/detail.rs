//! `/tickets/{service_request_no}`: the ticket, its timeline and its conversation; staff also
//! triage it here. Someone else's ticket is the same "not found" page as a missing one.

use super::{
    super::{
        api::{
            AddComment, SetTicketAssignee, SetTicketDepartment, SetTicketPriority, SetTicketStatus,
            get_ticket, suggest_assignees, ticket_choices, ticket_history,
        },
        model::{
            ASSIGNED_TO_ME, HistoryPage, Priority, TicketDetail, TicketOptions, TicketSla,
            TicketStatus,
        },
    },
    DueLabel, PriorityBadge, StatusBadge,
    thread::Thread,
};
use crate::auth::{Guard, use_auth};
use crate::files::attach::{Attach, Attachments, FilesForm};
use crate::{
    components::{
        Avatar, Field, FormAlert, LoadError, NotFoundPage, SelectField, SuccessNote, TextArea,
        Time, action_error, hydrated, past_dry_runs, reset_on_success,
    },
    error::AppError,
    live::use_live,
};
use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("no").unwrap_or_default();
    // An older page of the thread ("Show earlier"), or the newest.
    let query = use_query_map();
    let before = move || query.read().get("before");
    let comment = ServerAction::<AddComment>::new();
    let set_status = ServerAction::<SetTicketStatus>::new();
    let set_department = ServerAction::<SetTicketDepartment>::new();
    let set_assignee = ServerAction::<SetTicketAssignee>::new();
    let set_priority = ServerAction::<SetTicketPriority>::new();
    // Someone else's change to this ticket arrives live and refetches it.
    let changed = use_live().ticket(number);
    let data = TicketData {
        ticket: Resource::new(
            move || {
                (
                    number(),
                    set_status.version().get(),
                    set_department.version().get(),
                    set_assignee.version().get(),
                    set_priority.version().get(),
                    changed.get(),
                )
            },
            |(no, ..)| get_ticket(no),
        ),
        // Comments and triage both add to the history.
        history: Resource::new(
            move || {
                (
                    number(),
                    before(),
                    comment.version().get(),
                    set_status.version().get(),
                    set_department.version().get(),
                    set_assignee.version().get(),
                    set_priority.version().get(),
                    changed.get(),
                )
            },
            |(no, before, ..)| ticket_history(no, before),
        ),
        choices: Resource::new(|| (), |_| ticket_choices()),
        comment,
        set_status,
        set_department,
        set_assignee,
        set_priority,
    };
    view! {
        <Guard>
            <TicketView data/>
        </Guard>
    }
}

/// The page's data and actions, made once by `TicketPage`, outside the Guard (see `Guard`
/// for why), and handed down.
#[derive(Clone, Copy)]
struct TicketData {
    ticket: Resource<Result<TicketDetail, AppError>>,
    history: Resource<Result<HistoryPage, AppError>>,
    choices: Resource<Result<TicketOptions, AppError>>,
    comment: ServerAction<AddComment>,
    set_status: ServerAction<SetTicketStatus>,
    set_department: ServerAction<SetTicketDepartment>,
    set_assignee: ServerAction<SetTicketAssignee>,
    set_priority: ServerAction<SetTicketPriority>,
}

#[component]
fn TicketView(data: TicketData) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| view! { <main id="main" tabindex="-1" class="page"><p>"Loading…"</p></main> }>
            {move || Suspend::new(async move {
                let staff = auth.user.await.ok().flatten().is_some_and(|u| u.is_staff);
                let ticket = data.ticket.await;
                // Awaited here, so the server sends it with the page: read unawaited, it
                // reached a hydrating page only when its query beat the end of the page.
                let limits = data.choices.await.ok().and_then(|c| c.attachments);
                past_dry_runs().await;
                match ticket {
                    Ok(t) => view! {
                        <TicketBody t staff data limits/>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage/> }.into_any(),
                    Err(e) => view! {
                        <main id="main" tabindex="-1" class="page">
                            <h1>"Ticket"</h1>
                            <LoadError error=e/>
                        </main>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TicketBody(
    t: TicketDetail,
    staff: bool,
    data: TicketData,
    limits: Option<crate::files::model::Limits>,
) -> impl IntoView {
    let number = t.service_request_no.clone();
    view! {
        <Title text=format!("{} · {}", t.service_request_no, t.subject)/>
        <main id="main" tabindex="-1" class="page">
            <p class="crumbs"><a href="/tickets">"← Tickets"</a></p>
            <header class="ticket-head">
                <p class="ticket-no">{t.service_request_no.clone()}</p>
                <h1>{t.subject.clone()}</h1>
                <StatusBadge status=t.status/>
            </header>
            <div class="ticket-grid">
                <div class="ticket-main">
                    <section aria-labelledby="thread-heading">
                        <h2 id="thread-heading">"Conversation"</h2>
                        <Transition fallback=|| view! { <p>"Loading the conversation…"</p> }>
                            {move || Suspend::new(async move {
                                let history = data.history.await;
                                past_dry_runs().await;
                                match history {
                                    Ok(page) => view! { <Thread page/> }.into_any(),
                                    Err(error) => view! { <LoadError error/> }.into_any(),
                                }
                            })}
                        </Transition>
                    </section>
                    <CommentForm number=number.clone() requester=t.requester.clone() action=data.comment staff
                        limits/>
                </div>
                <div class="ticket-side">
                    <section class="card" aria-labelledby="details-heading">
                        <h2 id="details-heading">"Details"</h2>
                        <dl class="details">
                            <dt>"Requested by"</dt>
                            <dd>
                                <span class="user-cell">
                                    <Avatar name=t.requester.clone() url=t.requester_avatar.clone()/>
                                    {t.requester.clone()}
                                </span>
                            </dd>
                            <dt>"Request type"</dt>
                            <dd>{t.request_type.clone()}</dd>
                            <dt>"Department"</dt>
                            <dd>{t.department.clone()}</dd>
                            <dt>"Status"</dt>
                            <dd><StatusBadge status=t.status/></dd>
                            <dt>"Priority"</dt>
                            <dd><PriorityBadge priority=t.priority/></dd>
                            <dt>"Assigned to"</dt>
                            <dd>{t.assignee.clone().unwrap_or_else(|| "Nobody yet".into())}</dd>
                            {t.sla.map(|sla| view! { <SlaRows sla/> })}
                        </dl>
                    </section>
                    <section class="card" aria-labelledby="timeline-heading">
                        <h2 id="timeline-heading">"Timeline"</h2>
                        <ol class="timeline">
                            <li class="done">
                                <span class="timeline-label">"Started"</span>
                                <Time ms=t.date_started/>
                            </li>
                            {match t.date_finished {
                                Some(ms) => view! {
                                    <li class="done">
                                        <span class="timeline-label">"Finished"</span>
                                        <Time ms/>
                                    </li>
                                }.into_any(),
                                None => view! {
                                    <li>
                                        <span class="timeline-label">"Finished"</span>
                                        <span class="muted">"Not finished yet"</span>
                                    </li>
                                }.into_any(),
                            }}
                        </ol>
                    </section>
                    {staff.then(|| view! { <Triage t=t.clone() data/> })}
                </div>
            </div>
        </main>
    }
}

/// Staff's view of the targets: each one due (moving with the clock), met or missed.
#[component]
fn SlaRows(sla: TicketSla) -> impl IntoView {
    let done = |at: i64, due: Option<i64>| {
        let late = due.is_some_and(|due| at > due);
        view! {
            <span class=if late { "sla-missed" } else { "sla-met" }>
                {if late { "Late · " } else { "Met · " }}<Time ms=at/>
            </span>
        }
    };
    let first = match (sla.first_response_at, sla.first_response_due) {
        (Some(at), due) => done(at, due).into_any(),
        (None, Some(due)) => view! {
            <DueLabel due server_now=sla.now what="First response"/>
        }
        .into_any(),
        (None, None) => view! { <span class="muted">"—"</span> }.into_any(),
    };
    let resolution = match (sla.resolution_met, sla.resolution_due) {
        (Some(met), _) => view! {
            <span class=if met { "sla-met" } else { "sla-missed" }>
                {if met { "Met" } else { "Missed" }}
            </span>
        }
        .into_any(),
        (None, Some(due)) => view! {
            <DueLabel due server_now=sla.now what="Resolution"/>
        }
        .into_any(),
        (None, None) => view! { <span class="muted">"—"</span> }.into_any(),
    };
    view! {
        <dt>"First response"</dt>
        <dd>{first}</dd>
        <dt>"Resolution"</dt>
        <dd>{resolution}</dd>
    }
}

#[component]
fn CommentForm(
    number: String,
    requester: String,
    action: ServerAction<AddComment>,
    staff: bool,
    /// What may be attached (the ticket form's options carry it).
    limits: Option<crate::files::model::Limits>,
) -> impl IntoView {
    let attachments = Attachments::new(Signal::derive(move || limits));
    let text = NodeRef::<html::Textarea>::new();
    // Staff may write an internal note instead: the box takes the note's colour (CSS, so
    // without JavaScript too) and the button says what it will add.
    let internal = RwSignal::new(false);
    let note_box = NodeRef::<html::Input>::new();
    let auth = use_auth();
    // r: write a comment; i (staff): write an internal note.
    crate::components::use_shortcuts(
        move || auth.shortcuts_on(),
        move |key| {
            let note = match key {
                "r" => false,
                "i" if staff => true,
                _ => return false,
            };
            if let Some(checkbox) = note_box.get() {
                checkbox.set_checked(note);
            }
            internal.set(note);
            text.get().is_some_and(|area| area.focus().is_ok())
        },
    );
    let picker = staff.then(|| view! { <ReplyPicker text number=number.clone() requester/> });
    let error = action_error(action);
    let form = NodeRef::<html::Form>::new();
    reset_on_success(action, form);
    // The form is emptied after each comment, the box unticked with it.
    Effect::new(move || {
        if matches!(action.value().get(), Some(Ok(_))) {
            internal.set(false);
        }
    });
    let added = Signal::derive(move || match action.value().get() {
        Some(Ok(c)) if c.internal => Some("Internal note added.".to_string()),
        Some(Ok(_)) => Some("Comment added.".to_string()),
        _ => None,
    });
    let label = Signal::derive(move || {
        if internal.get() {
            "Add internal note"
        } else {
            "Add comment"
        }
    });
    view! {
        <section class="card composer" aria-labelledby="comment-heading">
            <h2 id="comment-heading">"Add a comment"</h2>
            <FilesForm action attachments node_ref=form>
                <FormAlert error/>
                <SuccessNote message=added/>
                <input type="hidden" name="service_request_no" value=number/>
                <TextArea label="Comment" name="comment_text" id="comment-text" required=true
                    maxlength=10000 rows=4 node_ref=text error/>
                {picker}
                {staff.then(|| view! {
                    <label class="check note-toggle">
                        <input type="checkbox" name="internal" id="comment-internal" node_ref=note_box
                            on:change=move |ev| internal.set(event_target_checked(&ev))/>
                        "Internal note"
                        <span class="hint">" — only staff see it, never the requester"</span>
                    </label>
                })}
                <Field label="Device number" name="device_no" id="comment-device" maxlength=64
                    hint="Optional." error/>
                <Attach id="comment-files" attachments action/>
                <button type="submit" class="btn btn-primary"
                    disabled=move || action.pending().get() || attachments.sending()>
                    {move || label.get()}
                </button>
            </FilesForm>
        </section>
    }
}

/// Staff's saved replies, to insert into the comment box with the placeholders filled in.
/// Needs JavaScript (it writes into the box), so it shows once the page is interactive.
#[component]
fn ReplyPicker(text: NodeRef<html::Textarea>, number: String, requester: String) -> impl IntoView {
    use crate::replies::{api::saved_replies, model::fill};
    let auth = use_auth();
    let replies = LocalResource::new(saved_replies);
    let hydrated = hydrated();
    let picked = NodeRef::<html::Input>::new();
    let missing = RwSignal::new(None::<String>);
    let insert = move |_| {
        let Some(input) = picked.get() else { return };
        let name = input.value();
        let found = replies.get().and_then(Result::ok).and_then(|list| {
            list.into_iter()
                .find(|r| r.name.eq_ignore_ascii_case(name.trim()))
        });
        let Some(reply) = found else {
            missing.set(Some(format!("No saved reply is called “{}”.", name.trim())));
            return;
        };
        missing.set(None);
        let me = auth
            .user
            .get_untracked()
            .and_then(Result::ok)
            .flatten()
            .map(|u| u.username)
            .unwrap_or_default();
        let filled = fill(&reply.body, &requester, &number, &me);
        if let Some(area) = text.get() {
            let before = area.value();
            let joined = if before.trim().is_empty() {
                filled
            } else {
                format!("{}\n\n{filled}", before.trim_end())
            };
            area.set_value(&joined);
            let _ = area.focus();
        }
        input.set_value("");
    };
    view! {
        <div class="reply-picker" hidden=move || !hydrated.get() || replies.get().is_none()>
            <label for="reply-pick">"Insert a saved reply"</label>
            <div class="inline-form">
                <input id="reply-pick" list="reply-names" node_ref=picked autocomplete="off"
                    placeholder="Type to search" aria-describedby="reply-pick-error"/>
                <datalist id="reply-names">
                    {move || hydrated.get().then(|| replies.get()).flatten().and_then(Result::ok)
                        .unwrap_or_default().into_iter()
                        .map(|r| view! { <option value=r.name/> }).collect_view()}
                </datalist>
                <button type="button" class="btn" on:click=insert>"Insert"</button>
            </div>
            <p class="field-error" id="reply-pick-error">{move || missing.get()}</p>
        </div>
    }
}

/// Status and department changes, for staff.
#[component]
fn Triage(t: TicketDetail, data: TicketData) -> impl IntoView {
    let TicketData {
        choices,
        set_status,
        set_department,
        set_assignee,
        set_priority,
        ..
    } = data;
    let status_error = action_error(set_status);
    let department_error = action_error(set_department);
    let assignee_error = action_error(set_assignee);
    let priority_error = action_error(set_priority);
    let note = Signal::derive(move || {
        match (
            set_status.value().get(),
            set_department.value().get(),
            set_assignee.value().get(),
            set_priority.value().get(),
        ) {
            (Some(Ok(())), ..) => Some("Status updated.".to_string()),
            (_, Some(Ok(())), ..) => Some("Department updated.".to_string()),
            (_, _, Some(Ok(())), _) => Some("Assignee updated.".to_string()),
            (.., Some(Ok(()))) => Some("Priority updated.".to_string()),
            _ => None,
        }
    });
    let statuses: Vec<(String, String)> = TicketStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let number = t.service_request_no.clone();
    let number_for_priority = number.clone();
    let department_id = t.department_id.to_string();
    view! {
        <section class="card triage" aria-labelledby="triage-heading">
            <h2 id="triage-heading">"Triage"</h2>
            <SuccessNote message=note/>
            <Assign t=t.clone() action=set_assignee error=assignee_error/>
            <ActionForm action=set_status>
                <FormAlert error=status_error/>
                <input type="hidden" name="service_request_no" value=t.service_request_no.clone()/>
                <SelectField label="Status" name="status" id="triage-status" options=statuses
                    selected=Some(t.status.as_str().to_string()) error=status_error/>
                <button type="submit" class="btn">"Update status"</button>
            </ActionForm>
            <ActionForm action=set_priority>
                <FormAlert error=priority_error/>
                <input type="hidden" name="service_request_no" value=number_for_priority/>
                <SelectField label="Priority" name="priority" id="triage-priority"
                    options=Priority::ALL.iter().map(|p| (p.as_str().to_string(), p.label().to_string())).collect()
                    selected=Some(t.priority.as_str().to_string()) error=priority_error/>
                <button type="submit" class="btn">"Set priority"</button>
            </ActionForm>
            <Transition fallback=|| ()>
                {move || {
                    let (number, department_id) = (number.clone(), department_id.clone());
                    Suspend::new(async move {
                        let departments = choices.await.map(|c| c.departments).unwrap_or_default();
                        past_dry_runs().await;
                        let options = departments
                            .into_iter()
                            .map(|d| (d.id.to_string(), d.name))
                            .collect::<Vec<_>>();
                        view! {
                            <ActionForm action=set_department>
                                <FormAlert error=department_error/>
                                <input type="hidden" name="service_request_no" value=number/>
                                <SelectField label="Department" name="department_id"
                                    id="triage-department" options
                                    selected=Some(department_id) error=department_error/>
                                <button type="submit" class="btn">"Reassign"</button>
                            </ActionForm>
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// Who handles the ticket: "Assign to me" in one click, any active agent or admin by name
/// (suggested as one types, from the server: never the whole staff list in the page), and
/// "Unassign". Plain forms: they work without JavaScript too.
#[component]
fn Assign(
    t: TicketDetail,
    action: ServerAction<SetTicketAssignee>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let number = t.service_request_no.clone();
    let (number_mine, number_named, number_none) = (number.clone(), number.clone(), number);
    let typed = RwSignal::new(String::new());
    let hydrated = hydrated();
    // In the browser only: without JavaScript one types the name, and the page carries no
    // empty suggestion list.
    let suggestions = LocalResource::new(move || {
        let prefix = typed.get();
        async move {
            if prefix.trim().is_empty() {
                Ok(Vec::new())
            } else {
                suggest_assignees(prefix).await
            }
        }
    });
    let assigned = t.assignee.is_some();
    view! {
        <div class="assign">
            <FormAlert error/>
            // One click either way, side by side.
            <div class="assign-quick">
                <ActionForm action>
                    <input type="hidden" name="service_request_no" value=number_mine/>
                    <input type="hidden" name="assignee" value=ASSIGNED_TO_ME/>
                    <button type="submit" class="btn btn-primary">"Assign to me"</button>
                </ActionForm>
                {assigned.then(|| view! {
                    <ActionForm action>
                        <input type="hidden" name="service_request_no" value=number_none.clone()/>
                        <input type="hidden" name="assignee" value=""/>
                        <button type="submit" class="btn btn-quiet">"Unassign"</button>
                    </ActionForm>
                })}
            </div>
            <ActionForm action>
                <input type="hidden" name="service_request_no" value=number_named/>
                <div class="field">
                    <label for="triage-assignee">"Assignee"</label>
                    <input id="triage-assignee" name="assignee" list="assignee-suggestions"
                        autocomplete="off" maxlength="32" placeholder="An agent's username"
                        aria-describedby="triage-assignee-error"
                        aria-invalid=move || error.get().and_then(|e| e.for_field("assignee")).is_some().then_some("true")
                        on:input=move |ev| typed.set(event_target_value(&ev))/>
                    <datalist id="assignee-suggestions">
                        {move || hydrated.get().then(|| suggestions.get()).flatten()
                            .and_then(Result::ok).unwrap_or_default().into_iter()
                            .map(|name| view! { <option value=name/> })
                            .collect_view()}
                    </datalist>
                    <p class="field-error" id="triage-assignee-error">
                        {move || error.get().and_then(|e| e.for_field("assignee"))}
                    </p>
                </div>
                <button type="submit" class="btn">"Assign"</button>
            </ActionForm>
        </div>
    }
}
