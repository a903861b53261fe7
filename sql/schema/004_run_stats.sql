-- wenji schema, version 4: every counter a run's steps keep, by stage (issue 15). The terminal summary
-- and the Prefect artifacts are rendered from these rows; `runs` keeps the headline counts.
-- stage: resolve | fetch | extract | segment | enrich | load. Each error kind is a row of its own (name =
-- kind, under the stage that recorded it; decode errors count as fetch, clean errors as extract) with the
-- same count as that run's rows in `errors`. `seconds` is the time a stage took (extract, segment and
-- enrich: worker seconds, which add up over workers); `hosts_given_up` and friends are plain counters.
CREATE TABLE run_stats (
    run_id      VARCHAR NOT NULL,
    stage       VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    value       DOUBLE NOT NULL,
    PRIMARY KEY (run_id, stage, name)
);
