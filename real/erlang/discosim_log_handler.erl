%% A logger handler that keeps cets_discovery's log records (level and
%% report) for the runner: each record goes into the public ETS table
%% `discosim_logs' (owned by discosim_agent) as
%% {Seq, SystemTimeMs, Level, ReportMap}; the agent hands them over on the
%% next poll. Records of other modules are not kept.
-module(discosim_log_handler).

-export([log/2]).

-spec log(logger:log_event(), logger:handler_config()) -> ok.
log(#{level := Level, msg := {report, Report}, meta := Meta}, _Config) when is_map(Report) ->
    case Meta of
        #{mfa := {cets_discovery, _, _}} ->
            TimeMs = maps:get(time, Meta, erlang:system_time(microsecond)) div 1000,
            ets:insert(discosim_logs, {erlang:unique_integer([monotonic, positive]), TimeMs, Level, Report}),
            ok;
        _ ->
            ok
    end;
log(_Event, _Config) ->
    ok.
