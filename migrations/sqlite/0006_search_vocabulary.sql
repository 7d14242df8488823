-- Every word the search index holds, for expanding what someone types into whole words
-- (issue 10). FTS5 answers a prefix query ("print"*) by merging the posting lists of every
-- word that starts with it into one list before returning the first row: 35-150 ms for a
-- common word over 5,000,000 comments, however few rows are wanted. The same words as an
-- OR of whole words ("print" OR "printer" OR "prints") are merged as they are read, and a
-- search that wants the newest 1,000 stops there: 0.3 ms. The app adds the words of each
-- comment and subject as it writes them; this fills it from the index once.
CREATE TABLE search_vocabulary (
    term TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE VIRTUAL TABLE temp.ticket_search_words USING fts5vocab (main, ticket_search, row);
INSERT INTO search_vocabulary (term) SELECT term FROM temp.ticket_search_words;
DROP TABLE temp.ticket_search_words;
