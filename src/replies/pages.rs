//! `/replies`: the saved replies staff may use (the team's and their own), to add, edit
//! and delete; admins also manage the team's. Plain forms: no JavaScript needed.

use super::api::{CreateSavedReply, DeleteSavedReply, UpdateSavedReply, saved_replies};
use super::model::{PLACEHOLDERS, SavedReply};
use crate::auth::{Guard, use_auth};
use crate::components::{
    Field, FormAlert, LoadError, SuccessNote, TextArea, action_error, past_dry_runs,
    reset_on_success,
};
use leptos::{html, prelude::*};
use leptos_meta::Title;

#[component]
pub fn RepliesPage() -> impl IntoView {
    let create = ServerAction::<CreateSavedReply>::new();
    let update = ServerAction::<UpdateSavedReply>::new();
    let delete = ServerAction::<DeleteSavedReply>::new();
    // Made outside the Guard: see `Guard` for why.
    let replies = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                delete.version().get(),
            )
        },
        |_| saved_replies(),
    );
    let auth = use_auth();
    view! {
        <Title text="Saved replies"/>
        <Guard staff=true>
            <main id="main" tabindex="-1" class="page">
                <h1>"Saved replies"</h1>
                <p class="lead">
                    "Texts to insert into a comment from the ticket page. They may say "
                    {PLACEHOLDERS.iter().enumerate().map(|(i, (word, what))| view! {
                        {(i > 0).then_some(", ")}<code>{*word}</code>" ("{*what}")"
                    }).collect_view()}
                    ", filled in when inserted."
                </p>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let admin = auth.user.await.ok().flatten().is_some_and(|u| u.is_admin);
                        let replies = replies.await;
                        past_dry_runs().await;
                        view! {
                            <NewReply create admin/>
                            {match replies {
                                Ok(list) => view! { <ReplyList list admin update delete/> }.into_any(),
                                Err(error) => view! { <LoadError error/> }.into_any(),
                            }}
                        }
                    })}
                </Transition>
            </main>
        </Guard>
    }
}

#[component]
fn NewReply(create: ServerAction<CreateSavedReply>, admin: bool) -> impl IntoView {
    let error = action_error(create);
    let form = NodeRef::<html::Form>::new();
    reset_on_success(create, form);
    let created = Signal::derive(move || match create.value().get() {
        Some(Ok(r)) => Some(format!("Reply “{}” saved.", r.name)),
        _ => None,
    });
    view! {
        <section class="card" aria-labelledby="new-reply-heading">
            <h2 id="new-reply-heading">"New reply"</h2>
            <ActionForm action=create node_ref=form>
                <FormAlert error/>
                <SuccessNote message=created/>
                <Field label="Name" name="name" id="new-reply-name" required=true maxlength=100 error/>
                <TextArea label="Text" name="body" id="new-reply-body" required=true maxlength=10000
                    rows=5 error/>
                {admin.then(|| view! {
                    <label class="check">
                        <input type="checkbox" name="shared"/>
                        "The team's"
                        <span class="hint">" — every agent may use it; only admins change it"</span>
                    </label>
                })}
                <div><button type="submit" class="btn btn-primary">"Save reply"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReplyList(
    list: Vec<SavedReply>,
    admin: bool,
    update: ServerAction<UpdateSavedReply>,
    delete: ServerAction<DeleteSavedReply>,
) -> impl IntoView {
    let update_error = action_error(update);
    let delete_error = action_error(delete);
    if list.is_empty() {
        return view! { <p class="empty">"No saved replies yet. Add the first one above."</p> }
            .into_any();
    }
    view! {
        <section aria-labelledby="replies-heading">
            <h2 id="replies-heading">"Your replies and the team's"</h2>
            <FormAlert error=update_error full=true/>
            <FormAlert error=delete_error full=true/>
            <ul class="replies">
                {list.into_iter().map(|r| {
                    let mine = !r.shared || admin;
                    view! {
                        <li class="card reply">
                            <h3>{r.name.clone()}" "
                                <span class="tag">{if r.shared { "Team" } else { "Mine" }}</span>
                            </h3>
                            <p class="reply-body">{r.body.clone()}</p>
                            {mine.then(|| view! { <ReplyEdit r update delete error=update_error/> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// The edit and delete forms of one reply.
#[component]
fn ReplyEdit(
    r: SavedReply,
    update: ServerAction<UpdateSavedReply>,
    delete: ServerAction<DeleteSavedReply>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let id = r.id.to_string();
    let (name_id, body_id) = (
        format!("reply-{}-name", r.id),
        format!("reply-{}-body", r.id),
    );
    let deleting = format!(" {}", r.name);
    let (id2, name, body) = (id.clone(), r.name, r.body);
    view! {
        <details>
            <summary>"Edit"</summary>
            <ActionForm action=update>
                <input type="hidden" name="id" value=id/>
                <Field label="Name" name="name" id=name_id value=Some(name) required=true
                    maxlength=100 error/>
                <TextArea label="Text" name="body" id=body_id value=body required=true
                    maxlength=10000 rows=5 error/>
                <button type="submit" class="btn">"Save changes"</button>
            </ActionForm>
        </details>
        <ActionForm action=delete>
            <input type="hidden" name="id" value=id2/>
            <button type="submit" class="btn btn-quiet">
                "Delete"<span class="visually-hidden">{deleting}</span>
            </button>
        </ActionForm>
    }
}
