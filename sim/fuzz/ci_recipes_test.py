#!/usr/bin/env python3
"""Runs the commands of the CI recipes in docs/ci/ with a small campaign.

    ci_recipes_test.py DISCOSIM DOCS_CI_DIR [--runs N]

GitHub Actions (github-actions-fuzz.yml): the `fuzz` step of every shard of
the matrix, with ${{ matrix.shard }} filled in, the shards' folders laid out
as download-artifact lays them (fuzz-shard-K/), then the `merge` step.
Kubernetes (kubernetes-fuzz-job.yaml, kubernetes-fuzz-merge.yaml): the Indexed
Job's script once per JOB_COMPLETION_INDEX in [0, completions), /results
being a temporary folder, then the merge Job's script. Checks that the shard
counts agree (matrix length or completions against SHARDS), that every shard
script ends as the recipe says it must, and that the merged summary covers
every case of the campaign exactly once, as one run of the whole campaign
does. RUNS is made small; everything else is as written.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

import yaml


def fail(text):
    print("FAIL: " + text)
    sys.exit(1)


def step(job, step_id):
    for s in job["steps"]:
        if s.get("id") == step_id:
            return s["run"]
    fail("no step with id %r" % step_id)


def run(script, cwd, env, shell=("bash", "-e", "-c")):
    return subprocess.run([*shell, script], cwd=cwd, env=env, capture_output=True, text=True)


def whole_campaign(discosim, seed, runs, tmp):
    out = tempfile.mkdtemp(prefix="whole-", dir=tmp)
    subprocess.run([discosim, "fuzz", "--seed", seed, "--runs", str(runs), "--out", out,
                    "--format", "json"], capture_output=True, text=True)
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def same_as_whole(merged, whole, recipe):
    for key in ("cases", "passed", "failed", "too_many_events", "known_findings", "events"):
        if merged[key] != whole[key]:
            fail("%s: the merged shards have %s %s, the whole campaign %s"
                 % (recipe, key, merged[key], whole[key]))
    if [f["case"] for f in merged["failures"]] != [f["case"] for f in whole["failures"]]:
        fail("%s: the merged shards' failures are not the whole campaign's" % recipe)


def github(discosim, path, runs, tmp, env):
    with open(path) as f:
        workflow = yaml.safe_load(f)
    shards = int(workflow["env"]["SHARDS"])
    matrix = workflow["jobs"]["fuzz"]["strategy"]["matrix"]["shard"]
    if matrix != list(range(1, shards + 1)):
        fail("%s: the matrix %s is not the shards 1..%d of SHARDS" % (path, matrix, shards))
    env = dict(env, SEED=str(workflow["env"]["SEED"]), RUNS=str(runs), SHARDS=str(shards))
    work = os.path.join(tmp, "github")
    os.makedirs(work)
    fuzz = step(workflow["jobs"]["fuzz"], "fuzz")
    for k in matrix:
        result = run(fuzz.replace("${{ matrix.shard }}", str(k)), work, env)
        if result.returncode not in (0, 1):  # 1: the shard found failures
            fail("%s: shard %d exited %d: %s" % (path, k, result.returncode, result.stderr))
        ElementTree.parse(os.path.join(work, "shard-%d" % k, "junit.xml"))
        shutil.move(os.path.join(work, "shard-%d" % k), os.path.join(work, "fuzz-shard-%d" % k))
    result = run(step(workflow["jobs"]["merge"], "merge"), work, dict(env, GITHUB_STEP_SUMMARY=""))
    if result.returncode not in (0, 1):
        fail("%s: the merge exited %d: %s" % (path, result.returncode, result.stderr))
    suite = ElementTree.parse(os.path.join(work, "fuzz-junit.xml")).getroot().find("testsuite")
    cases = {p.get("name"): p.get("value") for p in suite.iter("property")}
    if cases.get("cases") != str(runs):
        fail("%s: the merged JUnit covers %s cases, not %d" % (path, cases.get("cases"), runs))
    merged = subprocess.run([discosim, "fuzz", "--merge",
                             *sorted(os.path.join(work, "fuzz-shard-%d" % k) for k in matrix),
                             "--format", "json"], capture_output=True, text=True)
    return json.loads(merged.stdout), env["SEED"]


def kubernetes(discosim, job_path, merge_path, runs, tmp, env):
    with open(job_path) as f:
        docs = list(yaml.safe_load_all(f))
    job = next(d for d in docs if d["kind"] == "Job")
    if job["spec"]["completionMode"] != "Indexed":
        fail("%s: the Job is not an Indexed Job" % job_path)
    container = job["spec"]["template"]["spec"]["containers"][0]
    values = {e["name"]: e["value"] for e in container["env"]}
    completions = job["spec"]["completions"]
    if int(values["SHARDS"]) != completions:
        fail("%s: completions %d but SHARDS %s" % (job_path, completions, values["SHARDS"]))
    results = os.path.join(tmp, "results")
    os.makedirs(results)
    env = dict(env, **dict(values, RUNS=str(runs)))
    script = container["args"][0].replace("/results", results)
    for index in range(completions):
        result = run(script, tmp, dict(env, JOB_COMPLETION_INDEX=str(index)),
                     shell=container["command"])
        if result.returncode != 0:  # failures found still exit 0, or Kubernetes retries
            fail("%s: index %d exited %d: %s" % (job_path, index, result.returncode, result.stderr))
    with open(merge_path) as f:
        merge_job = yaml.safe_load(f)
    merge = merge_job["spec"]["template"]["spec"]["containers"][0]
    result = run(merge["args"][0].replace("/results", results), tmp, env, shell=merge["command"])
    if result.returncode not in (0, 1):
        fail("%s: the merge exited %d: %s" % (merge_path, result.returncode, result.stderr))
    if not re.search(r"shards [0-9,]+ of %d: %d cases of %d" % (completions, runs, runs),
                     result.stdout):
        fail("%s: the merged summary does not cover the campaign: %s" % (merge_path, result.stdout))
    ElementTree.parse(os.path.join(results, "fuzz-junit.xml"))
    merged = subprocess.run([discosim, "fuzz", "--merge",
                             *sorted(os.path.join(results, d) for d in os.listdir(results)
                                     if d.startswith("shard-")),
                             "--format", "json"], capture_output=True, text=True)
    return json.loads(merged.stdout), env["SEED"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("discosim")
    p.add_argument("docs_ci")
    p.add_argument("--runs", type=int, default=40)
    args = p.parse_args()
    discosim = os.path.abspath(args.discosim)
    env = dict(os.environ, PATH=os.path.dirname(discosim) + os.pathsep + os.environ["PATH"])
    with tempfile.TemporaryDirectory(prefix="discosim-ci-") as tmp:
        merged, seed = github(discosim, os.path.join(args.docs_ci, "github-actions-fuzz.yml"),
                              args.runs, tmp, env)
        same_as_whole(merged, whole_campaign(discosim, seed, args.runs, tmp), "GitHub Actions")
        merged, seed = kubernetes(discosim, os.path.join(args.docs_ci, "kubernetes-fuzz-job.yaml"),
                                  os.path.join(args.docs_ci, "kubernetes-fuzz-merge.yaml"),
                                  args.runs, tmp, env)
        same_as_whole(merged, whole_campaign(discosim, seed, args.runs, tmp), "Kubernetes")
    print("ci recipes: the GitHub Actions matrix and the Kubernetes Indexed Job ran %d cases "
          "each in their shards, merged as one campaign" % args.runs)


if __name__ == "__main__":
    main()
