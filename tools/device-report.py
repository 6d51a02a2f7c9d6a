#!/usr/bin/env python3
"""Turns what tools/device-run.sh left in $OUT into a Markdown section for docs/GPU.md (printed to stdout).

    python3 tools/device-report.py FOLDER [--date YYYY-MM-DD]

FOLDER holds run.log, steps.tsv, doctor.json, distill.jsonl, reference.jsonl, bench.md and sanitizer.txt; any of
them may be missing (a step that ran out of time), and the section then says so instead of guessing.
"""
import argparse
import datetime
import json
import math
import os
import sys


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


def steps_section(folder):
    rows = []
    try:
        with open(os.path.join(folder, "steps.tsv")) as f:
            next(f)
            for line in f:
                name, rc, seconds = line.rstrip("\n").split("\t")
                status = "ok" if rc == "0" else "ran out of time" if rc in ("124", "137") else f"exit {rc}"
                rows.append((name, status, seconds))
    except (OSError, StopIteration, ValueError):
        return "No steps.tsv: the run did not start.\n"
    return table(["step", "result", "seconds"], rows) + "\n"


def doctor_section(doctor):
    if doctor is None:
        return "No doctor.json: `dafl doctor` did not finish.\n"
    out = []
    host, gpu, backend = doctor["host"], doctor["gpu"], doctor["backend"]
    facts = [(".NET", host["runtime"]), ("CPU", f"{host['processor']}, {host['logical_cores']} logical cores, AVX-512 {'yes' if host['avx512'] else 'no'}")]
    for c in gpu["components"]:
        facts.append((c["name"], c["version"] if c["available"] else "unavailable: " + c["reason"]))
    d = gpu.get("device")
    facts.append(("device", f"{d['name']}, {d['architecture']}, {d['multiprocessors']} SMs, {d['memory_bytes'] / 2**30:.1f} GiB" if d else "none: " + gpu["device_error"]))
    facts.append(("CUDA backend", "starts" if backend["cuda_available"] else "unavailable: " + backend["reason"]))
    out.append(table(["", ""], facts))
    parity = doctor["parity"]
    if not parity:
        out.append("\nNo parity run (no backend to compare).")
    else:
        failed = [r for r in parity if not r["pass"]]
        out.append(f"\n**Parity, {backend['candidate']} against the CPU at batch {backend['batch']}"
                   f"{' (TF32 tolerances)' if backend['tf32'] else ''}: {len(parity) - len(failed)}/{len(parity)} cases within tolerance.**\n")
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


def distill_section(ours, reference):
    out = []
    epochs = [r for r in ours if r.get("kind") == "distill_epoch"]
    if epochs:
        last = epochs[-1]
        step_ms = sum(e["step_ms"] for e in epochs) / len(epochs)
        seconds = sum(e["seconds"] for e in epochs)
        acc = last.get("best_acc")
        out.append(f"- DafL.Native: {len(epochs)} epochs in {seconds:.1f} s, mean step {step_ms:.2f} ms, "
                   f"best student accuracy {acc * 100:.2f}%" if acc is not None else f"- DafL.Native: {len(epochs)} epochs, mean step {step_ms:.2f} ms")
    else:
        out.append("- DafL.Native: no epoch finished (see run.log).")
    ref_epochs = [r for r in reference if r.get("event") == "epoch"]
    config = next((r for r in reference if r.get("event") == "config"), {})
    if ref_epochs:
        iters = config.get("iters_per_epoch", 120)
        step_ms = 1000 * sum(e["train_s"] for e in ref_epochs) / (iters * len(ref_epochs))
        out.append(f"- PyTorch {config.get('torch', '?')} eager on {config.get('device', '?')}: {len(ref_epochs)} epochs, "
                   f"mean step {step_ms:.2f} ms, best student accuracy {ref_epochs[-1]['best_acc'] * 100:.2f}% after {len(ref_epochs)} epochs")
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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder")
    p.add_argument("--date", default=datetime.date.today().isoformat())
    args = p.parse_args()
    f = args.folder
    doctor = read_json(os.path.join(f, "doctor.json"))
    parts = [f"## Device check, {args.date}\n",
             "From `tools/device-check.sh` (one `run` call; `tools/device-run.sh` on the machine).\n",
             "### Steps\n", steps_section(f),
             "### `dafl doctor`\n", doctor_section(doctor),
             "### DAFL MNIST preset end to end\n", distill_section(read_jsonl(os.path.join(f, "distill.jsonl")), read_jsonl(os.path.join(f, "reference.jsonl"))),
             "### Memory check\n", sanitizer_section(f)]
    bench = os.path.join(f, "bench.md")
    if os.path.exists(bench) and os.path.getsize(bench) > 0:
        with open(bench) as b:
            parts += ["### Benchmarks (BenchmarkDotNet, short in-process job)\n", b.read().strip() + "\n"]
    sys.stdout.write("\n".join(parts))


if __name__ == "__main__":
    main()
