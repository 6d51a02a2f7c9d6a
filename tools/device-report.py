#!/usr/bin/env python3
"""Turns what tools/device-run.sh left in $OUT into a Markdown section for docs/GPU.md (printed to stdout).

    python3 tools/device-report.py FIRST [FULL] [--date YYYY-MM-DD]

FIRST is the first call's folder: run.log, steps.tsv, doctor.json, tests.txt, distill.jsonl, reference.jsonl,
bench.md, sanitizer.txt; FULL, if given, the second call's (`device-run.sh --full`): steps.tsv, run.log,
distill.jsonl. Any file may be missing (a stage that ran out of time), and the section then says so instead of
guessing. A run on the mock GPU (its device is named "DafL mock GPU ...") is labelled as such: it verifies the
scripts, the publish and this report, and nothing about a GPU.
"""
import argparse
import datetime
import json
import math
import os
import sys
import textwrap


# The paper's MNIST preset, which the second call runs whole (its dry run on the mock runs 3 epochs instead).
PAPER_EPOCHS = 200


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_jsonl(path):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return rows


def num(value):
    """Errors as the doctor's table prints them: 0, infinity, or three significant digits."""
    if isinstance(value, str):  # JSON carries infinity and NaN as strings
        value = float(value)
    if value == 0:
        return "0"
    if math.isinf(value):
        return "inf"
    return f"{value:.2e}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]  # a | in a cell ends it
    return "\n".join(lines)


def steps_section(folder, call_seconds):
    rows, total = [], 0.0
    try:
        with open(os.path.join(folder, "steps.tsv")) as f:
            next(f)
            for line in f:
                name, rc, seconds, limit, note = line.rstrip("\n").split("\t")
                total += float(seconds)
                status = ("skipped" if rc == "-" else "ok" if rc == "0" else "ran out of time" if rc in ("124", "137")
                          else f"exit {rc}")
                rows.append((name, status, seconds, limit if rc != "-" else "", note))
    except (OSError, StopIteration, ValueError):
        return "No steps.tsv: the run did not start.\n"
    return (table(["stage", "result", "seconds", "limit", "note"], rows)
            + f"\n\nThe stages took {total:.1f} s together, of the call's {call_seconds} s.\n")


def call_seconds(folder, default):
    """The call's limit as device-run.sh logged it (CALL_SECONDS=...), else the default."""
    try:
        with open(os.path.join(folder, "run.log")) as f:
            for word in f.readline().split():
                if word.startswith("CALL_SECONDS="):
                    return int(word.split("=", 1)[1])
    except (OSError, ValueError):
        pass
    return default


def doctor_section(doctor):
    if doctor is None:
        return "No doctor.json: `dafl doctor` did not get as far as its first stage.\n"
    out = []
    if doctor.get("stage") != "done":
        out.append(f"`dafl doctor` stopped after its `{doctor.get('stage')}` stage: what follows is what it had written.\n")
    host, check = doctor["host"], doctor["check"]
    facts = [(".NET", host["runtime"]), ("CPU", f"{host['processor']}, {host['logical_cores']} logical cores, AVX-512 {'yes' if host['avx512'] else 'no'}")]
    for backend in doctor["backends"]:
        for f in backend["facts"]:
            facts.append((f["name"], f["detail"] if f["available"] else "unavailable: " + f["detail"]))
        facts.append((f"{backend['name']} backend", "starts" if backend["starts"] else "unavailable: " + backend["reason"]))
    out.append(table(["", ""], facts))
    if not check["candidate"] and check["asked"] != "auto":
        out.append(f"\n**{check['asked']} cannot start**, so `dafl doctor --device {check['asked']}` exits 1.")
    parity = doctor["parity"]
    if not parity:
        out.append("\nNo parity run (no backend to compare).")
    else:
        failed = [r for r in parity if not r["pass"]]
        out.append(f"\n**Parity, {check['candidate']} against the CPU at batch {check['batch']}"
                   f"{' (TF32 tolerances)' if check['tf32'] else ''}: {len(parity) - len(failed)}/{len(parity)} cases within tolerance.**\n")
        worst = {}
        for r in parity:
            rel = float(r["relative_error"])
            if r["method"] not in worst or rel > float(worst[r["method"]]["relative_error"]):
                worst[r["method"]] = r
        out.append("Worst case of each method:\n")
        out.append(table(["method", "case", "shape", "max abs", "rel. error", "tolerance", ""],
                         [(m, r["case"], r["shape"], num(r["max_abs_error"]), num(r["relative_error"]), num(r["tolerance"]),
                           "ok" if r["pass"] else "**FAIL** " + r["note"]) for m, r in worst.items()]))
        if failed:
            out.append("\nEvery failing case:\n")
            out.append(table(["method", "case", "shape", "rel. error", "note"],
                             [(r["method"], r["case"], r["shape"], num(r["relative_error"]), r["note"]) for r in failed]))
    steps = doctor["steps"]
    if steps:
        out.append("\nDAFL steps from one seed (MNIST preset), CPU | candidate:\n")
        keys = ["total", "one_hot", "information_entropy", "activation", "kd"]
        out.append(table(["step"] + keys + ["rel. diff", "ms", ""],
                         [[s["step"]] + [f"{float(s['reference'][k]):.6f} / {float(s['candidate'][k]):.6f}" for k in keys]
                          + [num(s["relative_difference"]), f"{float(s['reference_ms']):.1f} / {float(s['candidate_ms']):.1f}", "ok" if s["pass"] else "**FAIL** " + s.get("note", "")]
                          for s in steps]))
    elif doctor.get("step_note"):
        out.append(f"\nDAFL steps not compared: {doctor['step_note']}.")
    return "\n".join(out) + "\n"


def tests_section(folder):
    """NUnit's runner's summary (Microsoft.Testing.Platform, --output Detailed), each failed test with the first line of
    its failure, and the skipped ones by reason."""
    try:
        with open(os.path.join(folder, "tests.txt")) as f:
            lines = f.read().splitlines()
    except OSError:
        return "No tests.txt: the test runner did not start.\n"
    counts = {}
    for line in lines:
        key, _, value = line.strip().partition(": ")
        if key in ("total", "failed", "succeeded", "skipped", "duration"):
            counts[key] = value
    out = []
    if "total" in counts:
        out.append(f"{counts['succeeded']} passed, {counts['failed']} failed, {counts['skipped']} skipped of {counts['total']} "
                   f"(filter: the CUDA tests), in {counts.get('duration', '?')}.")
    else:
        finished = sum(1 for l in lines if l.startswith(("passed ", "failed ", "skipped ")))
        out.append(f"The runner printed no summary: it stopped after {finished} tests (see tests.txt).")
    failed, skipped = [], {}
    for i, line in enumerate(lines):
        if line.startswith("failed "):
            reason = lines[i + 1].strip() if i + 1 < len(lines) else ""
            failed.append((line[len("failed "):].rsplit(" (", 1)[0], reason))
        elif line.startswith("skipped "):
            reason = lines[i + 1].strip() if i + 1 < len(lines) else ""
            skipped.setdefault(reason, []).append(line[len("skipped "):].rsplit(" (", 1)[0])
    if failed:
        out.append("\nFailed:\n")
        out.append(table(["test", "first line"], failed))
    if skipped:
        out.append("\nSkipped, by reason:\n")
        out.append(table(["reason", "tests"], [(reason, f"{len(names)}: " + ", ".join(names[:6]) + (", …" if len(names) > 6 else ""))
                                               for reason, names in skipped.items()]))
    return "\n".join(out) + "\n"


def ours_line(epochs, planned=None):
    if not epochs:
        return "- DafL.Native: no epoch finished (see run.log)."
    step_ms = sum(e["step_ms"] for e in epochs) / len(epochs)
    seconds = sum(e["seconds"] for e in epochs)
    done = f"{len(epochs)} of {planned} epochs" if planned else f"{len(epochs)} epochs"
    acc = epochs[-1].get("best_acc")
    return (f"- DafL.Native: {done} in {seconds:.1f} s, mean step {step_ms:.2f} ms"
            + (f", best student accuracy {acc * 100:.2f}% (epoch {epochs[-1].get('best_epoch')})" if acc is not None else ""))


def distill_section(ours, reference):
    out = [ours_line([r for r in ours if r.get("kind") == "distill_epoch"])]
    ref_epochs = [r for r in reference if r.get("event") == "epoch"]
    config = next((r for r in reference if r.get("event") == "config"), {})
    if ref_epochs:
        iters = config.get("iters_per_epoch", 120)
        step_ms = 1000 * sum(e["train_s"] for e in ref_epochs) / (iters * len(ref_epochs))
        tf32 = f"TF32 matmul {config.get('tf32_matmul', '?')}, cuDNN {config.get('tf32_cudnn', '?')}"
        out.append(f"- PyTorch {config.get('torch', '?')} eager on {config.get('device', '?')} ({tf32}): {len(ref_epochs)} epochs, "
                   f"mean step {step_ms:.2f} ms, best student accuracy {ref_epochs[-1]['best_acc'] * 100:.2f}%")
    else:
        out.append("- PyTorch reference: no epoch finished (see run.log).")
    return "\n".join(out) + "\n"


def sanitizer_section(folder):
    try:
        with open(os.path.join(folder, "sanitizer.txt")) as f:
            text = f.read().strip()
    except OSError:
        return "No sanitizer.txt.\n"
    summary = [l for l in text.splitlines() if "ERROR SUMMARY" in l or "not on this machine" in l]
    return ("`compute-sanitizer --tool memcheck` on a few DAFL steps: " + (summary[-1].strip("= ") if summary else "no summary line (see sanitizer.txt)")) + "\n"


def on_mock(folder, doctor):
    """True when the run's CUDA was the mock GPU: doctor names its device, or run.log its DAFL_CUDA_DRIVER."""
    facts = [f for b in (doctor or {}).get("backends", []) for f in b.get("facts", [])]
    if any(f["name"] == "device 0" and f["available"] and f["detail"].startswith("DafL mock GPU") for f in facts):
        return True
    try:
        with open(os.path.join(folder, "run.log")) as f:
            return any(line.startswith("DAFL_CUDA_DRIVER=") and ".mockgpu" in line for line in f)
    except OSError:
        return False


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("first", help="the first call's files")
    p.add_argument("full", nargs="?", help="the second call's files (device-run.sh --full)")
    p.add_argument("--date", default=datetime.date.today().isoformat())
    args = p.parse_args()
    f = args.first
    doctor = read_json(os.path.join(f, "doctor.json"))
    if on_mock(f, doctor):
        parts = [f"## Device check: dry run on the mock GPU, {args.date}\n",
                 textwrap.fill("**Not a GPU.** `tools/device-check.sh --dry-run` on the mock GPU (`cuda/mock`: the real "
                               "CUDA backend against a fake driver whose kernels run in the CPU emulator), at a tiny scale "
                               "(batches of 4, a slice of MNIST). It checks the publish, every command line, the stages' "
                               "limits and this report; its numbers say nothing about a GPU, and nothing here counts as "
                               "verified on one.", 120) + "\n"]
    else:
        parts = [f"## Device check, {args.date}\n",
                 "From `tools/device-check.sh`: `tools/device-run.sh` on the lent machine.\n"]
    parts += ["### First call: stages\n", steps_section(f, call_seconds(f, 300)),
              "### `dafl doctor`\n", doctor_section(doctor),
              "### CUDA tests (NUnit's runner, published self-contained)\n", tests_section(f),
              "### DAFL MNIST preset, cut to a few epochs\n",
              distill_section(read_jsonl(os.path.join(f, "distill.jsonl")), read_jsonl(os.path.join(f, "reference.jsonl"))),
              "### Memory check\n", sanitizer_section(f)]
    bench = os.path.join(f, "bench.md")
    if os.path.exists(bench) and os.path.getsize(bench) > 0:
        with open(bench) as b:
            parts += ["### Benchmarks (BenchmarkDotNet, short in-process job)\n", b.read().strip() + "\n"]
    if args.full:
        epochs = [r for r in read_jsonl(os.path.join(args.full, "distill.jsonl")) if r.get("kind") == "distill_epoch"]
        parts += ["### Second call: the whole MNIST run (`device-run.sh --full`)\n", steps_section(args.full, call_seconds(args.full, 600)),
                  ours_line(epochs, None if on_mock(f, doctor) else PAPER_EPOCHS) + "\n"]
    sys.stdout.write("\n".join(parts))


if __name__ == "__main__":
    main()
