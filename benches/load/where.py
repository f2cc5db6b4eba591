"""Where a request's CPU goes: reads `perf script -F comm,tid,ip,sym` of a server under wrk and
prints microseconds per request by part, given the number of requests wrk counted. Each sample goes
to the part of the first frame, from the leaf up, that a rule below names. Used by profile.sh."""
import collections
import sys

# (part, substrings of a frame's symbol): the first rule a frame matches decides the sample's part.
RULES = [
    ("kernel: sending the answer", ["do_writev", "__GI___writev", "__send", "__sys_sendto"]),
    ("kernel: reading the request", ["__libc_recv", "__sys_recvfrom"]),
    ("kernel: other calls, switching threads", ["entry_SYSCALL_64", "finish_task_switch", "asm_sysvec", "irqentry"]),
    ("bound: head scan, for hyper's refusals", ["HeadScan"]),
    ("bound: body pace", ["with_body_pace", "body::Progressing"]),
    ("bound: hang-up watch", ["hung_up"]),
    ("bound: requests in flight", ["begin_request", "InFlight"]),
    ("handler: traceparent and exemplar", ["traceparent", "TraceId", "Exemplars"]),
    ("handler: reply text, numbers spelled", ["reply::updated", "exposition::float", "push_float", "fmt::format", "format_inner", "flt2dec", "float_to"]),
    ("handler: parameters", ["Params::"]),
    ("handler: the rest", ["lessons::"]),
    ("request metrics", ["request_metrics", "with_label_values", "MetricVec", "Metrics as core::clone", "drop_in_place<metrics_tour::state::Metrics"]),
    ("poem: routes and endpoint wrappers", ["poem::"]),
    ("bound: connection wrapper (its lock, read and write)", ["connection::Watched"]),
    ("bound: connection task (clock, shutdown watch)", ["tokio::time", "sync::notify", "server::serve::{{closure}}::{{closure}}"]),
    ("hyper: parse, encode, dispatch", ["hyper::", "httparse", "http::header"]),
    ("tokio: scheduler", ["tokio::runtime"]),
]


def part(stack):
    for frame in stack:
        for name, patterns in RULES:
            if any(p in frame for p in patterns):
                return name
    return "other"


def main(script, requests):
    parts, stack = collections.Counter(), []
    with open(script) as lines:
        for line in lines:
            if line.startswith("\t"):
                fields = line.split(None, 1)
                if len(fields) == 2:
                    stack.append(fields[1].strip())
                continue
            if stack:
                parts[part(stack)] += 1
            stack = []
    if stack:
        parts[part(stack)] += 1
    hz = int(sys.argv[3])
    for name, samples in parts.most_common():
        print(f"{1e6 * samples / hz / requests:6.2f} µs  {name}")
    print(f"{1e6 * sum(parts.values()) / hz / requests:6.2f} µs  in all, {requests} requests")


main(sys.argv[1], int(sys.argv[2]))
