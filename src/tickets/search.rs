//! What a search looks for, and how its results are ranked and marked, apart from the index.
//!
//! FTS5 only streams the newest matching comment ids. Ranking and marking are done here on
//! the few rows found: FTS5's bm25() reads every match of each word to weigh it (40 ms for a
//! common word over 5,000,000 comments, measured) and highlight() re-runs the query per row.

use super::model::{MARK_END, MARK_START};

/// One word of a search: a prefix ("prin" finds "printer") or, for a single letter or
/// digit, only that word (a one-letter prefix would be most of the index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub prefix: bool,
}

/// The words of what someone typed: runs of letters and digits, lower-cased, at most 16.
/// Punctuation only separates words, so nothing typed can be FTS5 syntax.
pub fn words(typed: &str) -> Vec<Word> {
    typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| {
            let text = w.to_lowercase();
            let prefix = text.chars().count() > 1;
            Word { text, prefix }
        })
        .collect()
}

/// Prefixes this short are answered by FTS5's own prefix indexes (`prefix = '2 3'`);
/// longer ones are expanded into whole words from the vocabulary.
pub const INDEXED_PREFIX: usize = 3;
/// A prefix with more words than this is left to FTS5 (rare: long prefixes name few words).
pub const MAX_EXPANSION: usize = 64;

/// The distinct words of `text` as the index splits them (lower-cased), for the vocabulary.
/// FTS5 also strips diacritics; a word kept with them still finds its match, because FTS5
/// normalises the words of a query the same way.
pub fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    tokens(text).map(|(_, t)| t.to_lowercase())
}

/// The FTS5 query: every word, and with `owner` only that requester's rows. `expanded`
/// gives, for a long prefix, the whole words it stands for (empty: none; None: leave the
/// prefix to FTS5).
pub fn fts_query(
    words: &[Word],
    expanded: &[Option<Vec<String>>],
    owner: Option<i64>,
) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| match expanded.get(i) {
            // No word in the index starts with it: a term that matches nothing.
            Some(Some(list)) if list.is_empty() => format!("\"{}\"", w.text),
            Some(Some(list)) => {
                let any: Vec<String> = list.iter().map(|t| format!("\"{t}\"")).collect();
                format!("({})", any.join(" OR "))
            }
            _ => format!("\"{}\"{}", w.text, if w.prefix { "*" } else { "" }),
        })
        .collect();
    // Explicit ANDs: FTS5 allows the implicit one only between plain phrases.
    let mut query = format!("{{number subject body}} : ({})", terms.join(" AND "));
    if let Some(user) = owner {
        query.push_str(&format!(" AND owner : \"u{user}\""));
    }
    Some(query)
}

/// PostgreSQL's query for the words: all of them, each a prefix (`:*`) or a whole word.
/// Words are letters and digits only (`words`), each quoted: nothing typed is syntax.
pub fn ts_query(words: &[Word]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let terms: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'{}", w.text, if w.prefix { ":*" } else { "" }))
        .collect();
    Some(terms.join(" & "))
}

/// The tokens of `text` with their byte ranges, as the index splits them.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(move |t| (t.as_ptr() as usize - text.as_ptr() as usize, t))
}

fn hits(word: &Word, token: &str) -> bool {
    let token = token.to_lowercase();
    if word.prefix {
        token.starts_with(&word.text)
    } else {
        token == word.text
    }
}

/// Whether every word is in `text`.
pub fn has_all(text: &str, words: &[Word]) -> bool {
    words
        .iter()
        .all(|w| tokens(text).any(|(_, token)| hits(w, token)))
}

/// `text` with each token that a word finds between `MARK_START` and `MARK_END`.
pub fn mark(text: &str, words: &[Word]) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut at = 0;
    for (start, token) in tokens(text) {
        if words.iter().any(|w| hits(w, token)) {
            out.push_str(&text[at..start]);
            out.push(MARK_START);
            out.push_str(token);
            out.push(MARK_END);
            at = start + token.len();
        }
    }
    out.push_str(&text[at..]);
    out
}

/// About `width` tokens of `text` around its first match, marked, with "…" where it was cut;
/// None when no word is in it.
pub fn snippet(text: &str, words: &[Word], width: usize) -> Option<String> {
    let all: Vec<(usize, &str)> = tokens(text).collect();
    let first = all
        .iter()
        .position(|(_, token)| words.iter().any(|w| hits(w, token)))?;
    let width = width.max(1);
    // The match in the middle, the window kept full near either end.
    let to = (first.saturating_sub(width / 2) + width).min(all.len());
    let from = to.saturating_sub(width);
    let start = all[from].0;
    let end = all[to - 1].0 + all[to - 1].1.len();
    // Keep the punctuation right after the last token ("lab." rather than "lab").
    let end = text[end..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(text.len(), |(i, _)| end + i);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&mark(&text[start..end], words));
    if end < text.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_queries_marks_and_snippets() {
        let w = words("Prin  a  100%\"x\" OR");
        assert_eq!(
            w.iter()
                .map(|w| (w.text.as_str(), w.prefix))
                .collect::<Vec<_>>(),
            [
                ("prin", true),
                ("a", false),
                ("100", true),
                ("x", false),
                ("or", true)
            ]
        );
        assert_eq!(fts_query(&[], &[], None), None);
        assert_eq!(ts_query(&[]), None);
        assert_eq!(
            ts_query(&words("Prin't a 'x':* | !b")).unwrap(),
            "'prin':* & 't' & 'a' & 'x' & 'b'"
        );
        assert_eq!(
            fts_query(&words("printer 3"), &[], Some(7)).unwrap(),
            "{number subject body} : (\"printer\"* AND \"3\") AND owner : \"u7\""
        );
        let both = Some(vec!["print".to_string(), "printer".to_string()]);
        assert_eq!(
            fts_query(&words("prin pr zzzz"), &[both, None, Some(vec![])], None).unwrap(),
            "{number subject body} : ((\"print\" OR \"printer\") AND \"pr\"* AND \"zzzz\")"
        );
        assert_eq!(
            terms("Printer, printer; Café 2").collect::<Vec<_>>(),
            ["printer", "printer", "café", "2"]
        );
        let w = words("prin tray");
        assert!(has_all("Printer in Tray 2", &w));
        assert!(!has_all("Printer only", &w));
        assert_eq!(
            mark("The Printer, tray 2; reprint", &w),
            "The \u{E000}Printer\u{E001}, \u{E000}tray\u{E001} 2; reprint"
        );
        let text = "one two three four five six seven eight nine ten printer eleven twelve \
                    thirteen fourteen fifteen sixteen.";
        assert_eq!(
            snippet(text, &words("printer"), 6).unwrap(),
            "…eight nine ten \u{E000}printer\u{E001} eleven twelve…"
        );
        assert_eq!(
            snippet("Call the printer desk.", &words("printer"), 12).unwrap(),
            "Call the \u{E000}printer\u{E001} desk."
        );
        assert_eq!(snippet("nothing here", &words("printer"), 12), None);
    }
}
