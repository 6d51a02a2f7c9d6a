#!/usr/bin/env pwsh
# Coverage-guided fuzzing of the safetensors, IDX and config parsers: AFL++ drives tools/fuzz/DafL.Fuzz (SharpFuzz's
# fork server) for a set time per target, then every crash or hang it saved is replayed on the uninstrumented build,
# and one input per distinct fault (exception type and the DafL method it came from) is kept as a regression input
# in tests/DafL.Tests/Fixtures/fuzz/<target>/<sha256>.bin, where FuzzRegressionTests runs it.
#   dotnet pwsh build.ps1 fuzz [-- -Seconds 60] [-Targets config,idx-labels] [-TimeoutMs 5000]
# Needs afl-fuzz (Debian: apt-get install -y afl++) and the sharpfuzz tool (`dotnet tool restore`). Exits non-zero
# when any input, new or kept before, still crashes or hangs. The seeds are in tools/fuzz/seeds/<target>/ (the
# folder names are the targets); regenerate them with
#   dotnet run -c Release --project tools/fuzz/DafL.Fuzz -- seeds tools/fuzz/seeds
param(
    [int]$Seconds = 60,
    [string[]]$Targets = @(),
    [int]$TimeoutMs = 5000
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

$FuzzDir = Join-Path $Root 'tools/fuzz'
$SeedsDir = Join-Path $FuzzDir 'seeds'
$KeptDir = Join-Path $Root 'tests/DafL.Tests/Fixtures/fuzz'
$Work = Join-Path $Root 'artifacts/fuzz'
$Plain = Join-Path $Work 'plain'               # replays the findings: an instrumented build needs AFL's shared memory
$Instrumented = Join-Path $Work 'instrumented'
# The assemblies whose code the parsers run; SharpFuzz rewrites them in place to report the branches taken.
$InstrumentedAssemblies = @('DafL.Core.dll', 'DafL.Data.dll', 'DafL.Training.dll')
$ReplayBatch = 500  # inputs per replay process: keeps the command line short

if ($null -eq (Get-Command afl-fuzz -ErrorAction SilentlyContinue)) {
    [Console]::Error.WriteLine('error: afl-fuzz not found: install AFL++ (Debian: apt-get install -y afl++), then run `dotnet pwsh build.ps1 fuzz` again.')
    exit 1
}

function Invoke-Checked([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

$known = @(Get-ChildItem $SeedsDir -Directory | ForEach-Object Name)
$Targets = @($Targets | ForEach-Object { $_ -split ',' } | Where-Object { $_ })  # -File passes "a,b" as one string
if ($Targets.Count -eq 0) { $Targets = $known }
foreach ($t in $Targets) {
    if ($t -notin $known) { throw "no fuzz target '$t'; the targets are $($known -join ', ') (the folders of $SeedsDir)" }
}

# ------------------------------------------------------------------ build and instrument

foreach ($dir in @($Plain, $Instrumented)) { if (Test-Path $dir) { Remove-Item -Recurse -Force $dir } }
Invoke-Checked 'dotnet tool restore' { dotnet tool restore }
Invoke-Checked 'publish' { dotnet publish tools/fuzz/DafL.Fuzz -c Release -o $Plain --nologo }
Copy-Item -Recurse $Plain $Instrumented
foreach ($assembly in $InstrumentedAssemblies) {
    Invoke-Checked "instrumenting $assembly" { dotnet sharpfuzz (Join-Path $Instrumented $assembly) }
}

# ------------------------------------------------------------------ replay

# Each input's outcome from the uninstrumented build: Outcome (accepted, rejected, crash, hang), Signature, Message.
function Invoke-Replay([string]$Target, [string]$Scratch, [string[]]$Files) {
    $results = @{}
    $pending = @($Files)
    while ($pending.Count -gt 0) {
        $batch = @($pending | Select-Object -First $ReplayBatch)
        $lines = @(& dotnet (Join-Path $Plain 'DafL.Fuzz.dll') replay $Target $Scratch @batch)
        $code = $LASTEXITCODE
        foreach ($line in $lines) {
            $file, $outcome, $signature, $message = $line -split "`t", 4
            $results[$file] = [pscustomobject]@{ Outcome = $outcome; Signature = $signature; Message = $message }
        }
        $left = @($pending | Where-Object { -not $results.ContainsKey($_) })
        # The process ended early without a hang's line (exit code 3, Replay.HangExitCode): the first input it did
        # not report killed it.
        if ($left.Count -gt 0 -and $code -ne 3 -and $left[0] -in $batch) {
            $results[$left[0]] = [pscustomobject]@{ Outcome = 'crash'; Signature = "process died (exit code $code)"; Message = 'an uncatchable fault, e.g. a stack overflow' }
            $left = @($left | Select-Object -Skip 1)
        }
        $pending = $left
    }
    return $results
}

function Get-Stat([string]$StatsFile, [string]$Name) {
    $line = Get-Content $StatsFile | Where-Object { $_ -match "^$Name\s*:" } | Select-Object -First 1
    if ($null -eq $line) { return '?' }
    return ($line -split ':', 2)[1].Trim()
}

# ------------------------------------------------------------------ fuzz each target

$env:AFL_SKIP_BIN_CHECK = '1'                     # the target binary is `dotnet`: its coverage comes from SharpFuzz
$env:AFL_NO_UI = '1'
$env:AFL_SKIP_CPUFREQ = '1'
$env:AFL_NO_AFFINITY = '1'                        # the cores are shared with other builds
$env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'  # core_pattern is the host's, not ours to change
$env:AFL_FORKSRV_INIT_TMOUT = '60000'             # .NET start-up on a loaded machine
$env:DOTNET_GCHeapHardLimit = '0x40000000'        # 1 GiB: a gzip bomb fails fast instead of filling the machine
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'

$dotnet = (Get-Command dotnet).Source  # afl-fuzz wants the target binary's path
$scratchRoot = if (Test-Path '/dev/shm') { '/dev/shm' } else { [IO.Path]::GetTempPath() }
$scratch = Join-Path $scratchRoot "dafl-fuzz-$PID"
$summary = @()
$kept = @()
$faulty = 0
try {
    foreach ($target in $Targets) {
        $findings = Join-Path $Work "findings/$target"
        if (Test-Path $findings) { Remove-Item -Recurse -Force $findings }
        New-Item -ItemType Directory -Force (Split-Path -Parent $findings) | Out-Null
        $log = Join-Path $Work "$target.log"
        $aflArgs = @('-i', (Join-Path $SeedsDir $target), '-o', $findings, '-t', $TimeoutMs, '-m', 'none', '-V', $Seconds)
        $dict = Join-Path $FuzzDir "dictionaries/$target.dict"
        if (Test-Path $dict) { $aflArgs += @('-x', $dict) }
        $aflArgs += @('--', $dotnet, (Join-Path $Instrumented 'DafL.Fuzz.dll'), 'fuzz', $target, (Join-Path $scratch $target))
        Write-Host "fuzzing $target for $Seconds s (log: $log)"
        # -V stops afl-fuzz; the outer timeout only guards against a wedged start.
        & timeout -k 10 ($Seconds + 300) afl-fuzz @aflArgs *> $log
        if ($LASTEXITCODE -ne 0) {
            Get-Content $log -Tail 20 | Write-Host
            throw "afl-fuzz on $target failed (exit code $LASTEXITCODE); see $log"
        }
        $stats = Join-Path $findings 'default/fuzzer_stats'
        $found = @('crashes', 'hangs' | ForEach-Object { Join-Path $findings "default/$_" } | Where-Object { Test-Path $_ } |
            ForEach-Object { Get-ChildItem $_ -File | Where-Object Name -ne 'README.txt' } | Sort-Object Length | ForEach-Object FullName)

        $targetKept = Join-Path $KeptDir $target
        $before = @(if (Test-Path $targetKept) { Get-ChildItem $targetKept -Filter *.bin -File | ForEach-Object FullName })
        $outcomes = Invoke-Replay $target (Join-Path $scratch 'replay') @($before + $found)
        $signatures = [Collections.Generic.HashSet[string]]::new()
        foreach ($file in $before) {
            $o = $outcomes[$file]
            if ($o.Outcome -in 'crash', 'hang') {
                $faulty++
                [void]$signatures.Add($o.Signature)
                Write-Host "  still failing: $file`: $($o.Signature)"
            }
        }
        $new = 0
        $notReproduced = 0
        foreach ($file in $found) {  # smallest first: the kept input of each fault is the shortest AFL found
            $o = $outcomes[$file]
            if ($o.Outcome -notin 'crash', 'hang') { $notReproduced++; continue }
            $faulty++
            if (-not $signatures.Add($o.Signature)) { continue }
            $hash = (Get-FileHash -Algorithm SHA256 $file).Hash.ToLowerInvariant().Substring(0, 16)
            New-Item -ItemType Directory -Force $targetKept | Out-Null
            $dest = Join-Path $targetKept "$hash.bin"
            Copy-Item $file $dest
            $new++
            $kept += [pscustomobject]@{ Target = $target; File = (Resolve-Path -Relative $dest); Signature = $o.Signature; Message = $o.Message }
        }
        $summary += [pscustomobject]@{
            Target = $target
            Execs = Get-Stat $stats 'execs_done'
            'Execs/s' = Get-Stat $stats 'execs_per_sec'
            Paths = Get-Stat $stats 'corpus_count'
            Edges = Get-Stat $stats 'edges_found'
            Crashes = Get-Stat $stats 'saved_crashes'
            Hangs = Get-Stat $stats 'saved_hangs'
            'Not reproduced' = $notReproduced
            'Kept (new)' = $new
        }
    }
}
finally {
    if (Test-Path $scratch) { Remove-Item -Recurse -Force $scratch }
}

Write-Host ''
Write-Host "Fuzzing summary ($Seconds s per target; AFL's findings in $Work/findings):"
$summary | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
foreach ($k in $kept) {
    $message = if ($k.Message.Length -gt 200) { $k.Message.Substring(0, 200) + '…' } else { $k.Message }
    Write-Host "kept $($k.File): $($k.Signature): $message"
}
if ($faulty -gt 0) {
    Write-Host "$faulty input(s) crash or hang; the kept ones run in FuzzRegressionTests."
    exit 1
}
Write-Host 'No input crashed or hung.'
