# The Python harness: runs INSIDE the sandbox as its PID 1, before any candidate code.
#
# run.ts passes this file's text with `python3 -I -S -B -c`, sends one JSON request on stdin
# ({"source", "entry", "tests": [{"args", "ops"?}], "outputBytes"}) and reads the answers as JSON
# lines on fd 3, a pipe of its own. Expected outputs are never sent here: this file only reports
# what the candidate's code returned, and Node compares.
#
# Records written to fd 3, one line each, in this order:
#   {"t":"ready"}                        the code loaded and the entry was found
#   {"t":"syntax","error":..,"line":N}   the code does not compile (nothing else follows)
#   {"t":"load","verdict":..,"error":..} loading the code failed, or the entry is missing
#   {"t":"result","i":N,"value":..,"stdout":..,"ms":..}
#   {"t":"error","i":N,"verdict":..,"error":..,"stdout":..,"ms":..}
#   {"t":"done"}
import io
import json
import os
import sys
import time

PROTOCOL_FD = 3
FILENAME = "solution.py"
MAX_DEPTH = 200


def close_inherited_fds():
    # Any fd the host leaked past 0-2 (and our fd 3) would be a handle outside the sandbox.
    # run.ts already covers them with /dev/null; closing them here is the second layer.
    os.closerange(PROTOCOL_FD + 1, 1 << 20)


def send(record):
    # One unbuffered write per line so a run killed later still delivers the tests that finished.
    data = (json.dumps(record, separators=(",", ":")) + "\n").encode("ascii")
    while data:
        written = os.write(PROTOCOL_FD, data)
        data = data[written:]


class OutputLimit(BaseException):
    """Raised into the candidate's code when a test prints past its cap. A BaseException so a
    plain `except Exception` in the candidate's code does not swallow it (the verdict does not
    depend on it anyway: the capture remembers the overflow)."""


class Capture(io.TextIOBase):
    """Stands in for sys.stdout and sys.stderr: keeps each test's prints, up to a cap."""

    def __init__(self, limit):
        self.limit = limit
        self.reset()

    def reset(self):
        self.parts = []
        self.size = 0
        self.overflow = False

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not " + type(text).__name__)
        if self.overflow:
            raise OutputLimit()
        size = len(text.encode("utf-8", "surrogatepass"))
        if self.size + size > self.limit:
            room = self.limit - self.size
            self.parts.append(text.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore"))
            self.size = self.limit
            self.overflow = True
            raise OutputLimit()
        self.parts.append(text)
        self.size += size
        return len(text)

    def text(self):
        return "".join(self.parts)


def tagged(kind, text):
    # Values JSON cannot hold travel as {"__float__": ..} / {"__repr__": ..}; run.ts decodes them.
    return {kind: text}


def encode(value, depth=0):
    """Turns a returned value into JSON: tuples and sets become lists, dict keys become JSON text,
    NaN and infinities are tagged, anything else becomes its repr (which never equals a JSON
    expected value)."""
    if depth > MAX_DEPTH:
        raise ValueError("the returned value is nested too deeply (or contains itself)")
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int:
        return value
    if kind is float:
        if value != value:
            return tagged("__float__", "nan")
        if value in (float("inf"), float("-inf")):
            return tagged("__float__", "inf" if value > 0 else "-inf")
        return value
    if isinstance(value, (list, tuple)):
        return [encode(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {encode_key(key, depth): encode(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        items = [encode(item, depth + 1) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return encode(float(value), depth)
    if isinstance(value, str):
        return str(value)
    return tagged("__repr__", repr(value)[:1000])


def encode_key(key, depth):
    if isinstance(key, str):
        return str(key)
    return json.dumps(encode(key, depth + 1), separators=(",", ":"))


def describe_error(error):
    """The exception with only the candidate's own frames, so line numbers point into their code."""
    import traceback

    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
    lines = [f"{type(error).__name__}: {error}".rstrip(": ")]
    lines += getattr(error, "__notes__", [])
    for frame in frames[-5:]:
        line = f"  line {frame.lineno}, in {frame.name}"
        if frame.line:
            line += f": {frame.line.strip()}"
        lines.append(line)
    return "\n".join(lines)


def verdict_of(error, capture):
    if capture.overflow or isinstance(error, OutputLimit):
        return "output_limit"
    if isinstance(error, MemoryError):
        return "memory_limit"
    return "runtime_error"


def find_entry(namespace, entry):
    """`name` -> that function or class; `Class.method` -> a bound method on a fresh instance per
    test (the LeetCode `class Solution` form)."""
    owner, _, method = entry.partition(".")
    if owner not in namespace:
        raise LookupError(f"your code does not define '{owner}'")
    target = namespace[owner]
    if method:
        if not hasattr(target, method):
            raise LookupError(f"'{owner}' has no method '{method}'")
        return lambda: getattr(target(), method)
    if not callable(target):
        raise LookupError(f"'{owner}' is not a function or class")
    return lambda: target


def run_test(make_target, test):
    ops = test.get("ops")
    args = test.get("args") or []
    if ops is None:
        return make_target()(*args)
    # Class ops, LeetCode style: the first op constructs, the others call methods; the result
    # list has None for the constructor.
    instance = make_target()(*(args[0] if args else []))
    results = [None]
    for step, op in enumerate(ops[1:], start=1):
        op_args = args[step] if step < len(args) else []
        try:
            results.append(getattr(instance, op)(*op_args))
        except BaseException as error:
            error.add_note(f"(during operation {step}: {op})")
            raise
    return results


def main():
    close_inherited_fds()
    request = json.loads(sys.stdin.buffer.read())
    source = request["source"]
    capture = Capture(int(request["outputBytes"]))
    sys.stdout = sys.stderr = capture
    sys.setrecursionlimit(20000)

    try:
        code = compile(source, FILENAME, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        message = f"{type(error).__name__}: {getattr(error, 'msg', None) or error}"
        if line:
            message += f" (line {line})"
        text = getattr(error, "text", None)
        if text:
            message += "\n  " + text.rstrip("\n")
        send({"t": "syntax", "error": message, "line": line})
        return

    # Tracebacks show the candidate's lines.
    import linecache

    linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)

    namespace = {"__name__": "solution", "__file__": FILENAME}
    try:
        exec(code, namespace)
        make_target = find_entry(namespace, request["entry"])
    except BaseException as error:
        send({"t": "load", "verdict": verdict_of(error, capture), "error": describe_error(error),
              "stdout": capture.text()})
        return
    send({"t": "ready"})

    for index, test in enumerate(request["tests"]):
        capture.reset()
        started = time.perf_counter()
        try:
            value = encode(run_test(make_target, test))
            error = None
        except BaseException as caught:
            error = caught
        ms = (time.perf_counter() - started) * 1000
        if error is None and not capture.overflow:
            record = {"t": "result", "i": index, "value": value}
        else:
            record = {"t": "error", "i": index, "verdict": verdict_of(error, capture),
                      "error": describe_error(error) if error else "printed too much output"}
            if record["verdict"] == "output_limit":
                record["error"] = f"printed more than {capture.limit} bytes"
        record["stdout"] = capture.text()
        record["ms"] = round(ms, 3)
        send(record)
    send({"t": "done"})


try:
    main()
except BaseException:
    # A failure of the harness itself (or memory running out inside it): say why on the real
    # stderr, which run.ts reads for the reason.
    sys.stderr = sys.__stderr__
    import traceback

    traceback.print_exc()
    os._exit(70)
# Exit at once: the candidate's threads or atexit hooks must not hold the run open.
os._exit(0)
