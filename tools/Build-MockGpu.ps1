#!/usr/bin/env pwsh
# Builds the mock GPU (cuda/mock/) with g++ into .mockgpu/: a CUDA driver libcuda.so.1 whose kernels run in the
# emulator (cuda/emulator/), a cuBLAS libcublas.so.11 (+ the libcublasLt.so.11 the locator wants beside it) and a
# cuDNN libcudnn.so.9. NVRTC stays the real one (CUDA 11.8, tools/install-nvrtc.sh), hence the CUDA 11 names.
# Writes .mockgpu/env.sh with the DAFL_* variables that point the library locator at these files, and prints them.
# Skips the compile when no input changed since the last build (a SHA-256 of every source and this script).
#   dotnet pwsh tools/Build-MockGpu.ps1 [-Destination <dir>]
param([string]$Destination = (Join-Path (Split-Path $PSScriptRoot -Parent) '.mockgpu'))
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = Split-Path $PSScriptRoot -Parent
$Cuda = Join-Path $Root 'cuda'
$Mock = Join-Path $Cuda 'mock'
$Generated = Join-Path $Destination 'generated'
New-Item -ItemType Directory -Force -Path $Generated | Out-Null
if ($null -eq (Get-Command g++ -ErrorAction SilentlyContinue)) { throw 'mockgpu: g++ is needed (Debian: apt-get install g++)' }

$Kernels = @(Get-ChildItem -Path $Cuda -Filter *.cu | Sort-Object Name)
$Inputs = @($Kernels) + @(Get-ChildItem -Path $Cuda -Recurse -Include *.h, *.cuh, *.cpp | Where-Object { $_.DirectoryName -ne (Join-Path $Cuda 'emulator') -or $_.Extension -ne '.cpp' }) + @(Get-Item $PSCommandPath)
$Stamp = ($Inputs | Sort-Object FullName | ForEach-Object { (Get-FileHash -Algorithm SHA256 $_.FullName).Hash + ' ' + $_.FullName }) -join "`n"
$StampFile = Join-Path $Destination 'inputs.sha256'
$Outputs = @('libcuda.so.1', 'libcublas.so.11', 'libcublasLt.so.11', 'libcudnn.so.9') | ForEach-Object { Join-Path $Destination $_ }
$UpToDate = (Test-Path $StampFile) -and ((Get-Content -Raw $StampFile) -eq $Stamp) -and -not ($Outputs | Where-Object { -not (Test-Path $_) })

if (-not $UpToDate) {
    # Every `extern "C" __global__` kernel of each file, for cuda/mock/driver/kernels.cpp's name → launcher table.
    $sources = [System.Text.StringBuilder]::new()
    $table = [System.Text.StringBuilder]::new()
    # Shared headers at global scope first: inside the namespaces their #pragma once skips them, so there is one copy.
    foreach ($header in Get-ChildItem -Path $Cuda -Filter *.cuh | Sort-Object Name) { [void]$sources.AppendLine("#include `"$($header.Name)`"") }
    foreach ($file in $Kernels) {
        $ns = 'cu_' + $file.BaseName
        [void]$sources.AppendLine("namespace $ns {").AppendLine("#include `"$($file.Name)`"").AppendLine('}')
        $found = [regex]::Matches((Get-Content -Raw $file.FullName), 'extern "C" __global__ void (?:__launch_bounds__\([^)]*\) )?(\w+)\(')
        if ($found.Count -eq 0) { throw "mockgpu: $($file.Name) declares no extern `"C`" __global__ kernel" }
        foreach ($m in $found) { [void]$table.AppendLine("MOCK_KERNEL($ns, $($m.Groups[1].Value))") }
    }
    Set-Content -Path (Join-Path $Generated 'kernel_sources.inc') -Value $sources.ToString() -NoNewline
    Set-Content -Path (Join-Path $Generated 'kernel_table.inc') -Value $table.ToString() -NoNewline

    # As the kernels are compiled for the GPU: no contraction into fused multiply-adds (--fmad=false).
    $flags = @('-std=c++17', '-O2', '-g', '-fPIC', '-shared', '-pthread', '-ffp-contract=off', '-fvisibility=hidden',
               '-Wall', '-Wextra', '-Werror', '-Wno-unknown-pragmas')
    $linkDriver = @("-L$Destination", '-l:libcuda.so.1', '-Wl,-rpath,$ORIGIN')
    function Invoke-Gxx([string]$Output, [string[]]$Arguments) {
        Write-Host "mockgpu: building $Output"
        & g++ @flags @Arguments -o (Join-Path $Destination $Output)
        if ($LASTEXITCODE -ne 0) { throw "mockgpu: g++ failed building $Output" }
    }
    $driver = @(Get-ChildItem (Join-Path $Mock 'driver') -Filter *.cpp) + @(Get-ChildItem (Join-Path $Mock 'cubin') -Filter *.cpp) | ForEach-Object FullName
    Invoke-Gxx 'libcuda.so.1' (@("-I$Generated", "-I$Cuda") + $driver + @('-Wl,-soname,libcuda.so.1'))
    $cublas = Get-ChildItem (Join-Path $Mock 'cublas') -Filter *.cpp | Where-Object Name -ne 'cublasLt.cpp' | ForEach-Object FullName
    Invoke-Gxx 'libcublas.so.11' (@($cublas) + @('-Wl,-soname,libcublas.so.11') + $linkDriver)
    Invoke-Gxx 'libcublasLt.so.11' @((Join-Path $Mock 'cublas/cublasLt.cpp'), '-Wl,-soname,libcublasLt.so.11')
    $cudnn = Get-ChildItem (Join-Path $Mock 'cudnn') -Filter *.cpp | ForEach-Object FullName
    Invoke-Gxx 'libcudnn.so.9' (@($cudnn) + @('-Wl,-soname,libcudnn.so.9') + $linkDriver)
    Set-Content -Path $StampFile -Value $Stamp -NoNewline
} else {
    Write-Host "mockgpu: up to date in $Destination"
}

$environment = [ordered]@{
    DAFL_CUDA_DRIVER = Join-Path $Destination 'libcuda.so.1'
    DAFL_CUBLAS      = Join-Path $Destination 'libcublas.so.11'
    DAFL_CUBLASLT    = Join-Path $Destination 'libcublasLt.so.11'
    DAFL_CUDNN       = Join-Path $Destination 'libcudnn.so.9'
}
$lines = @('# The mock GPU (cuda/mock, built by `dotnet pwsh build.ps1 mockgpu`): source this file to run the CUDA path on it.') +
         @($environment.GetEnumerator() | ForEach-Object { "export $($_.Key)='$($_.Value)'" })
Set-Content -Path (Join-Path $Destination 'env.sh') -Value ($lines -join "`n")
Write-Host "mockgpu: wrote $(Join-Path $Destination 'env.sh'):"
$lines | Select-Object -Skip 1 | ForEach-Object { Write-Host "  $_" }
