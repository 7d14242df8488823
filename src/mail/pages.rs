//! Mail on screen: the admin Mail page (`/admin/mail`), the choices on My account, and the
//! banner admins see when mail has been failing for over an hour.

use super::api::{
    MailChoices, RetryMail, SaveInboundSettings, SendTestMail, SetMyMail, SwitchMail,
    get_inbound_settings, get_mail_overview, get_my_mail, mail_inbound, mail_outbox, mail_trouble,
};
use super::model::{
    InboundEntry, InboundOutcome, InboundSettings, MailOverview, MailState, OutboxEntry,
    UnknownSenders,
};
use crate::auth::Guard;
use crate::components::{
    DataTable, FormAlert, LoadError, SelectField, Submit, SuccessNote, Time, action_error, col,
    num, past_dry_runs,
};
use crate::error::AppError;
use crate::lists::{NamedList, api::list_entries, model::Entry};
use crate::text::thousands;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What an action said when it went well.
fn note<T>(action: ServerAction<T>) -> Signal<Option<String>>
where
    T: leptos::server_fn::ServerFn<Output = String, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::ok))
}

#[component]
pub fn MailPage() -> impl IntoView {
    let test = ServerAction::<SendTestMail>::new();
    let retry = ServerAction::<RetryMail>::new();
    let switch = ServerAction::<SwitchMail>::new();
    let save_inbound = ServerAction::<SaveInboundSettings>::new();
    let query = use_query_map();
    let state = Memo::new(move |_| query.read().get("state").unwrap_or_default());
    let before = Memo::new(move |_| {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    });
    let changed = move || {
        (
            test.version().get(),
            retry.version().get(),
            switch.version().get(),
        )
    };
    // Made outside the Guard: see `Guard` for why.
    let overview = Resource::new(changed, |_| get_mail_overview());
    let inbound_before = Memo::new(move |_| {
        query
            .read()
            .get("in_before")
            .and_then(|b| b.parse::<i64>().ok())
    });
    let inbound = Resource::new(move || inbound_before.get(), mail_inbound);
    let settings = Resource::new(
        move || save_inbound.version().get(),
        |_| get_inbound_settings(),
    );
    let departments = Resource::new(|| (), |_| list_entries(NamedList::Departments));
    let types = Resource::new(|| (), |_| list_entries(NamedList::RequestTypes));
    let outbox = Resource::new(
        move || (changed(), state.get(), before.get()),
        |(_, state, before)| mail_outbox(state, before),
    );
    view! {
        <Title text="Mail"/>
        <Guard admin=true>
            <main id="main" tabindex="-1" class="page">
                <h1>"Mail"</h1>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let overview = overview.await;
                        past_dry_runs().await;
                        match overview {
                            Ok(o) => view! { <Overview o test retry switch/> }.into_any(),
                            Err(error) => view! { <LoadError error/> }.into_any(),
                        }
                    })}
                </Transition>
                <section aria-labelledby="outbox-heading">
                    <h2 id="outbox-heading">"Outbox"</h2>
                    <form method="get" action="/admin/mail" class="filters">
                        <label for="mail-state">"Show"</label>
                        <select id="mail-state" name="state">
                            <option value="" selected=move || state.get().is_empty()>"All mail"</option>
                            {MailState::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=move || state.get() == s.as_str()>
                                    {s.label()}
                                </option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="btn">"Show"</button>
                    </form>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            let list = outbox.await;
                            past_dry_runs().await;
                            match list {
                                Ok(list) => view! { <Outbox list retry state=state.get_untracked()/> }.into_any(),
                                Err(error) => view! { <LoadError error/> }.into_any(),
                            }
                        })}
                    </Transition>
                </section>
                <section aria-labelledby="inbound-heading">
                    <h2 id="inbound-heading">"Incoming mail"</h2>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            let (settings, departments, types) =
                                (settings.await, departments.await, types.await);
                            past_dry_runs().await;
                            match settings.and_then(|s| Ok((s, departments?, types?))) {
                                Ok((s, departments, types)) => view! {
                                    <InboundForm s departments types save=save_inbound/>
                                }.into_any(),
                                Err(error) => view! { <LoadError error/> }.into_any(),
                            }
                        })}
                    </Transition>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            let list = inbound.await;
                            past_dry_runs().await;
                            match list {
                                Ok(list) => view! { <InboundLog list/> }.into_any(),
                                Err(error) => view! { <LoadError error/> }.into_any(),
                            }
                        })}
                    </Transition>
                </section>
            </main>
        </Guard>
    }
}

fn choices(entries: Vec<Entry>) -> Vec<(String, String)> {
    entries
        .into_iter()
        .map(|e| (e.id.to_string(), e.name))
        .collect()
}

#[component]
fn InboundForm(
    s: InboundSettings,
    departments: Vec<Entry>,
    types: Vec<Entry>,
    save: ServerAction<SaveInboundSettings>,
) -> impl IntoView {
    let error = action_error(save);
    view! {
        <div class="card">
            <ActionForm action=save>
                <SuccessNote message=note(save)/>
                <FormAlert error/>
                <div class="form-grid">
                    <SelectField label="Mail from an address no user has" name="unknown_senders"
                        id="inbound-unknown"
                        options=UnknownSenders::ALL.iter().map(|u| (u.as_str().to_string(), u.label().to_string())).collect()
                        selected=Some(s.unknown_senders.as_str().to_string()) error/>
                    <SelectField label="Tickets opened by mail go to" name="department_id"
                        id="inbound-department" options=choices(departments)
                        selected=s.department_id.map(|d| d.to_string())
                        placeholder="The sender's department (else the first)" error/>
                    <SelectField label="Their request type" name="request_type_id"
                        id="inbound-type" options=choices(types)
                        selected=s.request_type_id.map(|t| t.to_string())
                        placeholder="The first request type" error/>
                </div>
                <Submit label="Save incoming mail settings" pending=save.pending() class="btn"/>
            </ActionForm>
        </div>
    }
}

#[component]
fn InboundLog(list: Vec<InboundEntry>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No mail has come in yet."</p> }.into_any();
    }
    let older = (list.len() as i64 == super::api::PAGE)
        .then(|| list.last().map(|m| m.id))
        .flatten()
        .map(|id| format!("/admin/mail?in_before={id}"));
    view! {
        <DataTable labelled_by="inbound-heading"
            columns=vec![col("From"), col("Subject"), col("What became of it"), col("Ticket"), col("Received")]>
            {list.into_iter().map(|m| {
                let badge = match m.outcome {
                    InboundOutcome::Comment | InboundOutcome::Ticket => "badge badge-mail-sent",
                    InboundOutcome::Ignored => "badge badge-mail-queued",
                    InboundOutcome::Refused | InboundOutcome::SetAside => "badge badge-mail-failed",
                };
                view! {
                    <tr>
                        <td>{if m.from_address.is_empty() { "—".to_string() } else { m.from_address.clone() }}</td>
                        <th scope="row">{if m.subject.is_empty() { "(no subject)".to_string() } else { m.subject.clone() }}</th>
                        <td class="mail-error">
                            <span class=badge>{m.outcome.label()}</span>
                            {m.reason.clone().map(|r| view! { " " {r} })}
                        </td>
                        <td>{m.service_request_no.clone().map(|no| view! { <a href=format!("/tickets/{no}")>{no.clone()}</a> })}</td>
                        <td><Time ms=m.received_at/></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        {older.map(|href| view! { <p><a class="btn" href=href>"Older incoming mail"</a></p> })}
    }
    .into_any()
}

#[component]
fn Overview(
    o: MailOverview,
    test: ServerAction<SendTestMail>,
    retry: ServerAction<RetryMail>,
    switch: ServerAction<SwitchMail>,
) -> impl IntoView {
    let (test_error, retry_error, switch_error) = (
        action_error(test),
        action_error(retry),
        action_error(switch),
    );
    let state = if !o.configured {
        "Mail is not set up: this server has no smtp_url, so nothing is queued or sent. Give it smtp_url, mail_from and public_url (see the README) and restart it."
    } else if o.switched_off {
        "Mail is switched off: nothing is queued or sent until it is switched on again."
    } else {
        "Mail is on: people get the mail they chose on My account."
    };
    let inbound = if o.inbound {
        "Replies come back: the server reads its imap_url mailbox."
    } else {
        "Replies do not come back: this server has no imap_url."
    };
    view! {
        <section class="card" aria-labelledby="mail-state-heading">
            <h2 id="mail-state-heading">"State"</h2>
            <p>{state}</p>
            <p>{inbound}</p>
            <dl class="mail-counts">
                <div><dt>"Queued"</dt><dd>{thousands(o.queued)}</dd></div>
                <div><dt>"Sent"</dt><dd>{thousands(o.sent)}</dd></div>
                <div><dt>"Failed"</dt><dd>{thousands(o.failed)}</dd></div>
            </dl>
            <SuccessNote message=note(test)/>
            <SuccessNote message=note(retry)/>
            <SuccessNote message=note(switch)/>
            <FormAlert error=test_error full=true/>
            <FormAlert error=retry_error full=true/>
            <FormAlert error=switch_error full=true/>
            <div class="actions">
                {o.configured.then(|| view! {
                    <ActionForm action=test>
                        <Submit label="Send test mail" pending=test.pending() class="btn"/>
                    </ActionForm>
                })}
                {(o.failed > 0).then(|| view! {
                    <ActionForm action=retry>
                        <Submit label="Retry all failed" pending=retry.pending() class="btn"/>
                    </ActionForm>
                })}
                {o.configured.then(|| view! {
                    <ActionForm action=switch>
                        <input type="hidden" name="off" value=(!o.switched_off).to_string()/>
                        {if o.switched_off {
                            view! { <Submit label="Switch mail on" pending=switch.pending() class="btn"/> }.into_any()
                        } else {
                            view! { <Submit label="Switch all mail off" pending=switch.pending() class="btn btn-danger"/> }.into_any()
                        }}
                    </ActionForm>
                })}
            </div>
        </section>
    }
}

#[component]
fn Outbox(list: Vec<OutboxEntry>, retry: ServerAction<RetryMail>, state: String) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No mail here yet."</p> }.into_any();
    }
    let older = (list.len() as i64 == super::api::PAGE)
        .then(|| list.last().map(|m| m.id))
        .flatten()
        .map(|id| format!("/admin/mail?state={state}&before={id}"));
    view! {
        <DataTable labelled_by="outbox-heading"
            columns=vec![col("To"), col("Subject"), col("State"), num("Attempts"), col("Queued"), col("What happened"), col("Actions")]>
            {list.into_iter().map(|m| {
                let subject = m.subject.clone();
                let what = match (m.state, m.sent_at, m.last_error.clone()) {
                    (MailState::Sent, Some(at), _) => view! { "Sent " <Time ms=at/> }.into_any(),
                    (_, _, Some(error)) => view! { {error} }.into_any(),
                    _ => view! { "Waiting to be sent" }.into_any(),
                };
                view! {
                    <tr>
                        <td>{m.to_address.clone()}</td>
                        <th scope="row">
                            {match m.service_request_no.clone() {
                                Some(no) => view! { <a href=format!("/tickets/{no}")>{subject}</a> }.into_any(),
                                None => view! { {subject} }.into_any(),
                            }}
                        </th>
                        <td><span class=format!("badge badge-mail-{}", m.state.as_str())>{m.state.label()}</span></td>
                        <td class="num">{m.attempts}</td>
                        <td><Time ms=m.created_at/></td>
                        <td class="mail-error">{what}</td>
                        <td class="actions">
                            {(m.state == MailState::Failed).then(|| view! {
                                <ActionForm action=retry>
                                    <input type="hidden" name="id" value=m.id/>
                                    <button type="submit" class="btn"
                                        aria-label=format!("Retry the mail to {}", m.to_address)>"Retry"</button>
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        {older.map(|href| view! { <p><a class="btn" href=href>"Older mail"</a></p> })}
    }
    .into_any()
}

/// What My account's mail section reads and saves: made by the page, outside its Guard.
#[derive(Clone, Copy)]
pub struct MailChoicesState {
    save: ServerAction<SetMyMail>,
    choices: Resource<Result<MailChoices, AppError>>,
}

impl MailChoicesState {
    pub fn new() -> MailChoicesState {
        let save = ServerAction::<SetMyMail>::new();
        let choices = Resource::new(move || save.version().get(), |_| get_my_mail());
        MailChoicesState { save, choices }
    }
}

impl Default for MailChoicesState {
    fn default() -> Self {
        Self::new()
    }
}

/// The mail section of My account: a box per topic that concerns this person.
#[component]
pub fn MailChoicesCard(state: MailChoicesState) -> impl IntoView {
    let MailChoicesState { save, choices } = state;
    let error = action_error(save);
    view! {
        <section class="card" id="mail" aria-labelledby="mail-heading">
            <h2 id="mail-heading">"Mail"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let choices = choices.await;
                    past_dry_runs().await;
                    match choices {
                        Ok(c) => view! { <ChoicesForm c save error/> }.into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ChoicesForm(
    c: MailChoices,
    save: ServerAction<SetMyMail>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        {(!c.sends).then(|| view! {
            <p class="hint">"This helpdesk sends no mail at the moment; your choices apply once it does."</p>
        })}
        <ActionForm action=save>
            <SuccessNote message=note(save)/>
            <FormAlert error/>
            <fieldset>
                <legend>"Mail me when"</legend>
                {c.choices.into_iter().map(|choice| {
                    let id = format!("mail-{}", choice.topic.as_str());
                    let label_for = id.clone();
                    view! {
                        <label class="check mail-topic" for=label_for>
                            <input type="checkbox" id=id name=choice.topic.as_str() checked=choice.on/>
                            {choice.topic.label()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <Submit label="Save mail choices" pending=save.pending() class="btn"/>
        </ActionForm>
    }
}

/// Since when mail has been failing for over an hour, for an admin (never asked for
/// anyone else). Made by the layout, beside the user it depends on.
pub fn mail_trouble_for(
    user: Resource<Result<Option<crate::auth::model::CurrentUser>, AppError>>,
) -> Resource<Option<i64>> {
    Resource::new(
        move || matches!(user.get(), Some(Ok(Some(u))) if u.is_admin),
        |admin| async move {
            if admin {
                mail_trouble().await.ok().flatten()
            } else {
                None
            }
        },
    )
}

/// For admins, on every page: mail has been failing for over an hour.
#[component]
pub fn MailBanner(trouble: Resource<Option<i64>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let since = trouble.await;
                past_dry_runs().await;
                since.map(|since| view! {
                    <div class="alert alert-error mail-banner" role="alert">
                        "Mail has been failing since " <Time ms=since/>
                        ". " <a href="/admin/mail?state=failed">"See the Mail page"</a>
                    </div>
                })
            })}
        </Transition>
    }
}
