#!/usr/bin/python3
"""Golden values from PyTorch for the DafL.Native tests (tests/DafL.Tests/Golden/*Tests.cs).

Usage:  /usr/bin/python3 tools/make_fixtures.py [OUTPUT_DIR]
        (default OUTPUT_DIR: tests/DafL.Tests/Fixtures next to this script's repository root;
         `dotnet pwsh build.ps1 fixtures` runs this.)

Needs PyTorch (Debian's python3-torch, 1.13, CPU). Everything is float32, single-threaded
(torch.set_num_threads(1)) and seeded per file (torch.manual_seed), so a run on one machine writes the same bytes
every time; another PyTorch version may differ in the last bits, which is why each file records the version.

For every op case the file holds its inputs and parameters, the output, a fixed random upstream gradient `gout`
(standard normal, the output's shape; a scalar for a scalar output) and the gradients of every input and parameter
after `out.backward(gout)`. Case settings that are numbers (stride, eps, slope ...) are stored too, as scalars
named `<case>/cfg.<name>`, so the C# test reads them instead of repeating them.

Binary format, version 1 (all integers and floats little-endian):

    magic      8 bytes   ASCII "DAFLFIX1"
    version    uint32    format version, 1
    torch      uint32 n, then n bytes UTF-8: torch.__version__ of the writer
    count      uint32    number of tensors
    count times:
      name     uint32 n, then n bytes UTF-8, unique in the file
      rank     uint32    0 for a scalar
      shape    rank × int32
      data     prod(shape) × float32, row-major (C order)

Tensor names are `<case>/<role>`: roles `x`, `a`, `b`, `weight`, `bias`, ... (inputs and parameters), `out`,
`gout` (upstream gradient), `grad.<input>` (gradient of that input), `cfg.<setting>` (a scalar setting), and for
stateful cases `<state>.after` (a running statistic after the call, an optimizer's parameters after a step).
Class indices (cross-entropy targets, argmax results, labels) are stored as float32 holding integers.
"""
import collections
import os
import struct
import sys
import warnings
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

MAGIC = b"DAFLFIX1"
OUT_DIR = None  # set by main: the pytorch family writes its checkpoints beside the .bin files
FORMAT_VERSION = 1


class FixtureFile:
    """Named float32 tensors, written in insertion order in the format of the module docstring."""

    def __init__(self, family):
        self.family = family
        self.tensors = {}

    def add(self, name, tensor):
        if name in self.tensors:
            raise ValueError(f"{self.family}: tensor {name!r} written twice")
        # A copy: parameters, buffers and .grad are updated in place after they are recorded.
        self.tensors[name] = torch.as_tensor(tensor).detach().to(torch.float32).clone().contiguous()

    def cfg(self, case, **settings):
        for key, value in settings.items():
            self.add(f"{case}/cfg.{key}", torch.tensor(float(value)))

    def write(self, out_dir):
        path = os.path.join(out_dir, f"{self.family}.bin")
        torch_version = torch.__version__.encode("utf-8")
        with open(path, "wb") as f:
            f.write(MAGIC)
            f.write(struct.pack("<I", FORMAT_VERSION))
            f.write(struct.pack("<I", len(torch_version)))
            f.write(torch_version)
            f.write(struct.pack("<I", len(self.tensors)))
            for name, t in self.tensors.items():
                encoded = name.encode("utf-8")
                f.write(struct.pack("<I", len(encoded)))
                f.write(encoded)
                f.write(struct.pack("<I", t.dim()))
                f.write(struct.pack(f"<{t.dim()}i", *t.shape))
                f.write(t.numpy().astype("<f4").tobytes())
        return path


def away_from_zero(t, margin=0.05):
    """Pushes values closer to 0 than margin out to ±margin, so kinks (relu, abs) are not probed at 0."""
    sign = torch.where(t < 0, -1.0, 1.0)
    return torch.where(t.abs() < margin, sign * margin, t)


def op_case(fx, case, fn, inputs, grad=None, cfg=None):
    """Runs fn(**inputs) with gradients for the names in grad (default: all), backward with a random gout."""
    grad = set(inputs) if grad is None else set(grad)
    leaves = {k: v.detach().clone().requires_grad_(k in grad) for k, v in inputs.items()}
    for k, v in inputs.items():
        fx.add(f"{case}/{k}", v)
    if cfg:
        fx.cfg(case, **cfg)
    out = fn(**leaves)
    fx.add(f"{case}/out", out)
    if not grad:
        return
    gout = torch.randn(out.shape)
    fx.add(f"{case}/gout", gout)
    out.backward(gout)
    for k in inputs:
        if k in grad:
            fx.add(f"{case}/grad.{k}", leaves[k].grad)


# ---------------------------------------------------------------------------------------------------- families

def activation():
    fx = FixtureFile("activation")
    x = away_from_zero(torch.randn(3, 4, 5, 6))
    op_case(fx, "relu", lambda x: F.relu(x), {"x": x})
    op_case(fx, "leaky_relu", lambda x: F.leaky_relu(x, 0.2), {"x": x}, cfg={"slope": 0.2})
    op_case(fx, "tanh", lambda x: torch.tanh(x), {"x": torch.randn(3, 4, 5, 6) * 2})
    # |x| up to ~20: both tails, where 1 − σ rounds to 0 on one side and σ is a few ulp of a tiny number on the other
    op_case(fx, "sigmoid", lambda x: torch.sigmoid(x), {"x": torch.randn(3, 4, 5, 6) * 5})
    return fx


def elementwise():
    fx = FixtureFile("elementwise")
    # (N, C, H, W) with (C, 1, 1): a per-channel tensor broadcast over the batch and the plane
    a, b = torch.randn(2, 3, 4, 5), torch.randn(3, 1, 1)
    op_case(fx, "add", lambda a, b: a + b, {"a": torch.randn(4, 7), "b": torch.randn(4, 7)})
    op_case(fx, "add_bcast", lambda a, b: a + b, {"a": a, "b": b})
    op_case(fx, "sub", lambda a, b: a - b, {"a": torch.randn(4, 7), "b": torch.randn(4, 7)})
    op_case(fx, "sub_bcast", lambda a, b: a - b, {"a": a, "b": b})
    op_case(fx, "sub_bcast_left", lambda a, b: a - b, {"a": b, "b": a})  # (C,1,1) - (N,C,H,W)
    op_case(fx, "mul", lambda a, b: a * b, {"a": torch.randn(4, 7), "b": torch.randn(4, 7)})
    op_case(fx, "mul_bcast", lambda a, b: a * b, {"a": a, "b": b})
    op_case(fx, "mul_outer", lambda a, b: a * b, {"a": torch.randn(4, 1), "b": torch.randn(1, 6)})  # both broadcast
    op_case(fx, "scale", lambda x: x * -1.7, {"x": torch.randn(3, 5, 7)}, cfg={"s": -1.7})
    op_case(fx, "add_scalar", lambda x: x + 0.3, {"x": torch.randn(3, 5, 7)}, cfg={"s": 0.3})
    op_case(fx, "neg", lambda x: -x, {"x": torch.randn(3, 5, 7)})
    op_case(fx, "abs", lambda x: x.abs(), {"x": away_from_zero(torch.randn(3, 5, 7))})
    op_case(fx, "exp", lambda x: x.exp(), {"x": torch.randn(3, 5, 7) * 2})
    positive = torch.rand(3, 5, 7) * 4 + 0.05
    op_case(fx, "log", lambda x: x.log(), {"x": positive})
    op_case(fx, "log10", lambda x: x.log10(), {"x": positive})
    return fx


def reduce():
    fx = FixtureFile("reduce")
    x = torch.randn(3, 4, 5)
    op_case(fx, "sum_all", lambda x: x.sum(), {"x": x})
    op_case(fx, "sum_dim1", lambda x: x.sum(1), {"x": x}, cfg={"dim": 1})
    op_case(fx, "sum_dim_last_keep", lambda x: x.sum(-1, keepdim=True), {"x": x}, cfg={"dim": -1})
    op_case(fx, "mean_all", lambda x: x.mean(), {"x": x})
    op_case(fx, "mean_dim0", lambda x: x.mean(0), {"x": x}, cfg={"dim": 0})
    op_case(fx, "mean_dim2_keep", lambda x: x.mean(2, keepdim=True), {"x": x}, cfg={"dim": 2})
    op_case(fx, "argmax_dim1", lambda x: x.argmax(1).float(), {"x": torch.randn(6, 10)}, grad=[], cfg={"dim": 1})
    op_case(fx, "argmax_dim0", lambda x: x.argmax(0).float(), {"x": x}, grad=[], cfg={"dim": 0})
    return fx


def softmax():
    fx = FixtureFile("softmax")
    logits = torch.randn(6, 10) * 3
    op_case(fx, "softmax", lambda x: F.softmax(x, 1), {"x": logits}, cfg={"dim": 1})
    op_case(fx, "softmax_mid", lambda x: F.softmax(x, 1), {"x": torch.randn(2, 5, 3) * 3}, cfg={"dim": 1})
    op_case(fx, "log_softmax", lambda x: F.log_softmax(x, 1), {"x": logits}, cfg={"dim": 1})
    op_case(fx, "log_softmax_mid", lambda x: F.log_softmax(x, 1), {"x": torch.randn(2, 5, 3) * 3}, cfg={"dim": 1})
    targets = torch.randint(0, 10, (6,)).float()
    op_case(fx, "cross_entropy", lambda x, targets: F.cross_entropy(x, targets.long()),
            {"x": logits, "targets": targets}, grad=["x"])
    log_probs = F.log_softmax(torch.randn(6, 10) * 2, 1)
    target_probs = F.softmax(torch.randn(6, 10) * 2, 1)
    for reduction in ("sum", "batchmean", "mean"):
        with warnings.catch_warnings():  # 'mean' warns that it is not batchmean: that difference is the point
            warnings.simplefilter("ignore", UserWarning)
            op_case(fx, f"kl_div_{reduction}", lambda x, t, r=reduction: F.kl_div(x, t, reduction=r),
                    {"x": log_probs, "t": target_probs})
    student, teacher = torch.randn(6, 10) * 2, torch.randn(6, 10) * 2
    op_case(fx, "kd_loss",
            lambda s, t: F.kl_div(F.log_softmax(s, 1), F.softmax(t, 1), reduction="sum") / s.shape[0],
            {"s": student, "t": teacher}, grad=["s"])
    op_case(fx, "kd_loss_t4",
            lambda s, t: F.kl_div(F.log_softmax(s / 4, 1), F.softmax(t / 4, 1), reduction="sum") / s.shape[0],
            {"s": student, "t": teacher}, grad=["s"], cfg={"temperature": 4})
    return fx


def dafl():
    fx = FixtureFile("dafl")
    logits = torch.randn(8, 10) * 2
    # official DAFL-train.py: (p̄ · log10 p̄).sum(), p̄ the batch mean of the softmax
    op_case(fx, "ie_official", lambda x: (lambda p: (p * torch.log10(p)).sum())(F.softmax(x, 1).mean(0)),
            {"x": logits})
    # paper: −H_info(p̄) with H_info(p) = −(1/K) Σ p ln p
    op_case(fx, "ie_paper", lambda x: (lambda p: (p * torch.log(p)).sum() / x.shape[1])(F.softmax(x, 1).mean(0)),
            {"x": logits})
    features = away_from_zero(torch.randn(8, 12))
    op_case(fx, "act_official", lambda f: -f.abs().mean(), {"f": features})   # -features_T.abs().mean()
    op_case(fx, "act_paper", lambda f: -f.abs().sum(1).mean(), {"f": features})  # -(1/n) Σ ||f_i||_1
    return fx


def linear():
    fx = FixtureFile("linear")
    op_case(fx, "matmul", lambda a, b: a @ b, {"a": torch.randn(5, 7), "b": torch.randn(7, 3)})
    op_case(fx, "matmul_wide", lambda a, b: a @ b, {"a": torch.randn(9, 33), "b": torch.randn(33, 40)})
    x = torch.randn(4, 6)
    layer = nn.Linear(6, 5)
    op_case(fx, "linear", lambda x, weight, bias: F.linear(x, weight, bias),
            {"x": x, "weight": layer.weight, "bias": layer.bias})
    op_case(fx, "linear_nobias", lambda x, weight: F.linear(x, weight), {"x": x, "weight": layer.weight})
    return fx


def conv():
    fx = FixtureFile("conv")
    # name, N, C, H, W, O, k, stride, padding, bias
    cases = [
        ("conv1x1", 2, 4, 5, 5, 3, 1, 1, 0, True),
        ("conv3x3_pad1", 2, 3, 6, 7, 4, 3, 1, 1, True),
        ("conv3x3_pad1_nobias", 2, 3, 6, 7, 4, 3, 1, 1, False),
        ("conv5x5", 2, 2, 9, 9, 3, 5, 1, 0, True),
        ("conv5x5_nobias", 2, 2, 9, 9, 3, 5, 1, 0, False),
        ("conv3x3_stride2_pad1", 2, 3, 8, 7, 4, 3, 2, 1, True),
        ("conv3x3_stride2_nobias", 2, 3, 9, 9, 2, 3, 2, 0, False),
    ]
    for name, n, c, h, w, o, k, stride, padding, bias in cases:
        layer = nn.Conv2d(c, o, k, stride=stride, padding=padding, bias=bias)
        inputs = {"x": torch.randn(n, c, h, w), "weight": layer.weight}
        if bias:
            inputs["bias"] = layer.bias
        op_case(fx, name, lambda x, weight, bias=None, s=stride, p=padding: F.conv2d(x, weight, bias, s, p),
                inputs, cfg={"stride": stride, "padding": padding})
    return fx


def batch_norm_case(fx, case, x, channels, training, eps, affine, momentum=0.1, running_stats=True):
    """F.batch_norm with random running statistics (so the update is visible), stored before and after."""
    inputs = {"x": x}
    if affine:
        inputs["weight"] = torch.rand(channels) + 0.5
        inputs["bias"] = torch.randn(channels) * 0.5
    rm = rv = None
    if running_stats:
        rm, rv = torch.randn(channels) * 0.5, torch.rand(channels) + 0.5
        fx.add(f"{case}/running_mean", rm)
        fx.add(f"{case}/running_var", rv)
    op_case(fx, case,
            lambda x, weight=None, bias=None: F.batch_norm(x, rm, rv, weight, bias, training, momentum, eps),
            inputs, cfg={"eps": eps, "momentum": momentum, "training": int(training)})
    if running_stats:
        fx.add(f"{case}/running_mean.after", rm)
        fx.add(f"{case}/running_var.after", rv)


def norm():
    fx = FixtureFile("norm")
    x = torch.randn(4, 3, 5, 6) * 2 + 1
    batch_norm_case(fx, "bn_train", x, 3, training=True, eps=1e-5, affine=True)
    batch_norm_case(fx, "bn_train_eps08", x, 3, training=True, eps=0.8, affine=True)
    batch_norm_case(fx, "bn_train_noaffine", x, 3, training=True, eps=1e-5, affine=False)
    batch_norm_case(fx, "bn_train_nostats", x, 3, training=True, eps=1e-5, affine=True, running_stats=False)
    batch_norm_case(fx, "bn_eval", x, 3, training=False, eps=1e-5, affine=True)
    batch_norm_case(fx, "bn_eval_noaffine", x, 3, training=False, eps=1e-5, affine=False)
    return fx


def pool():
    fx = FixtureFile("pool")
    op_case(fx, "max_pool2", lambda x: F.max_pool2d(x, 2, 2), {"x": torch.randn(2, 3, 8, 6)},
            cfg={"kernel": 2, "stride": 2})
    op_case(fx, "max_pool2_odd", lambda x: F.max_pool2d(x, 2, 2), {"x": torch.randn(2, 2, 7, 5)},
            cfg={"kernel": 2, "stride": 2})  # floor mode drops the last row and column
    op_case(fx, "avg_pool2", lambda x: F.avg_pool2d(x, 2, 2), {"x": torch.randn(2, 3, 8, 6)},
            cfg={"kernel": 2, "stride": 2})
    op_case(fx, "avg_pool4", lambda x: F.avg_pool2d(x, 4, 4), {"x": torch.randn(2, 5, 8, 8)},
            cfg={"kernel": 4, "stride": 4})
    op_case(fx, "upsample2", lambda x: F.interpolate(x, scale_factor=2), {"x": torch.randn(2, 3, 4, 5)},
            cfg={"scale": 2})
    return fx


# ---------------------------------------------------------------------------------------------------- networks

class LeNet5(nn.Module):
    """lenet.py of the official DAFL code (dafl-facts §1.1): LeNet5 and LeNet5Half; returns (logits, post-ReLU conv3 features)."""

    def __init__(self, half=False):
        super().__init__()
        c1, c2, c3, f1 = (3, 8, 60, 42) if half else (6, 16, 120, 84)  # LeNet5Half halves every width
        self.features = c3
        self.conv1 = nn.Conv2d(1, c1, 5)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.conv3 = nn.Conv2d(c2, c3, 5)
        self.fc1 = nn.Linear(c3, f1)
        self.fc2 = nn.Linear(f1, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        feature = F.relu(self.conv3(x)).view(-1, self.features)
        return self.fc2(F.relu(self.fc1(feature))), feature


def lenet5():
    fx = FixtureFile("lenet5")
    net = LeNet5()
    x = torch.randn(4, 1, 32, 32)
    labels = torch.tensor([3, 0, 7, 3])
    for name, p in net.state_dict().items():
        fx.add(f"lenet5/{name}", p)
    fx.add("lenet5/x", x)
    fx.add("lenet5/labels", labels)
    logits, feature = net(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    fx.add("lenet5/logits", logits)
    fx.add("lenet5/features", feature)
    fx.add("lenet5/loss", loss)
    for name, p in net.named_parameters():
        fx.add(f"lenet5/grad.{name}", p.grad)
    return fx


class Generator(nn.Module):
    """The Generator of DAFL-train.py (dafl-facts §1.4), with its widths 128 and 64 as parameters."""

    def __init__(self, latent_dim, img_size, channels, width, half_width):
        super().__init__()
        self.init_size = img_size // 4
        self.width = width
        self.l1 = nn.Sequential(nn.Linear(latent_dim, width * self.init_size ** 2))
        self.conv_blocks0 = nn.Sequential(nn.BatchNorm2d(width))
        self.conv_blocks1 = nn.Sequential(
            nn.Conv2d(width, width, 3, stride=1, padding=1),
            nn.BatchNorm2d(width, 0.8),
            nn.LeakyReLU(0.2, inplace=True))
        self.conv_blocks2 = nn.Sequential(
            nn.Conv2d(width, half_width, 3, stride=1, padding=1),
            nn.BatchNorm2d(half_width, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(half_width, channels, 3, stride=1, padding=1),
            nn.Tanh(),
            nn.BatchNorm2d(channels, affine=False))

    def forward(self, z):
        out = self.l1(z.view(z.shape[0], -1))
        img = out.view(out.shape[0], self.width, self.init_size, self.init_size)
        img = self.conv_blocks0(img)
        img = F.interpolate(img, scale_factor=2)
        img = self.conv_blocks1(img)
        img = F.interpolate(img, scale_factor=2)
        return self.conv_blocks2(img)


def generator():
    fx = FixtureFile("generator")
    # The official widths 128/64 would make this file about 2 MB; 16/8 keep every layer and setting.
    latent, img, channels, width, half_width, batch = 8, 8, 1, 16, 8, 4
    gen = Generator(latent, img, channels, width, half_width)
    # Non-default BN affine parameters, so that a swapped weight and bias would show.
    with torch.no_grad():
        for m in gen.modules():
            if isinstance(m, nn.BatchNorm2d) and m.affine:
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.3)
    gen.train()
    fx.cfg("generator", latent=latent, img_size=img, channels=channels, width=width, half_width=half_width)
    for name, p in gen.state_dict().items():
        if not name.endswith("num_batches_tracked"):
            fx.add(f"generator/{name}", p)
    z = torch.randn(batch, latent)
    fx.add("generator/z", z)
    out = gen(z)
    g = torch.randn(out.shape)
    fx.add("generator/out", out)
    fx.add("generator/gout", g)
    (out * g).sum().backward()
    for name, p in gen.named_parameters():
        fx.add(f"generator/grad.{name}", p.grad)
    for name, b in gen.named_buffers():
        if name.endswith("running_mean") or name.endswith("running_var"):
            fx.add(f"generator/{name}.after", b)
    return fx


def optim():
    """Three steps of each optimizer on a linear model (3 × 5) under cross-entropy on a fixed batch.
    Stored per step k = 1..3: the gradients the step used (`grad<k>.weight`) and the parameters after it
    (`step<k>.weight`), so an optimizer can be checked with the stored gradients alone."""
    fx = FixtureFile("optim")
    x = torch.randn(8, 5)
    labels = torch.randint(0, 3, (8,))
    init = nn.Linear(5, 3)
    fx.add("model/x", x)
    fx.add("model/labels", labels)
    fx.add("model/weight", init.weight)
    fx.add("model/bias", init.bias)
    cases = [
        ("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4),
         {"lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4, "nesterov": 0}),
        ("sgd_nesterov", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True),
         {"lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4, "nesterov": 1}),
        ("sgd_plain", lambda ps: torch.optim.SGD(ps, lr=0.1),
         {"lr": 0.1, "momentum": 0, "weight_decay": 0, "nesterov": 0}),
        ("adam_lr1e-3", lambda ps: torch.optim.Adam(ps, lr=1e-3),
         {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0}),
        ("adam_lr0.2", lambda ps: torch.optim.Adam(ps, lr=0.2),
         {"lr": 0.2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0}),
        ("adam_wd", lambda ps: torch.optim.Adam(ps, lr=1e-2, weight_decay=0.1),
         {"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1}),
    ]
    for case, make, cfg in cases:
        fx.cfg(case, **cfg)
        model = nn.Linear(5, 3)
        model.load_state_dict(init.state_dict())
        opt = make(model.parameters())
        for step in range(1, 4):
            opt.zero_grad()
            F.cross_entropy(model(x), labels).backward()
            for name, p in model.named_parameters():
                fx.add(f"{case}/grad{step}.{name}", p.grad)
            opt.step()
            for name, p in model.named_parameters():
                fx.add(f"{case}/step{step}.{name}", p)
    return fx


def dafl_steps():
    """Three whole DAFL iterations (the official DAFL-train.py loop, dafl-facts §2.4) from fixed weights and a
    fixed z per step: teacher LeNet-5 (eval, frozen), generator of width 8 (latent 12, 32×32, 1 channel), student
    LeNet-5-half, Adam for both (lr_G 0.2, lr_S 2e-3 as the MNIST preset), official losses and weights.
    Stored: the initial weights, z<k>, every loss term of step k (`step<k>.oh/ie/a/kd/total`) and the generator's
    and student's parameters and BN buffers after step 3 (`after.generator.*`, `after.student.*`)."""
    fx = FixtureFile("dafl_steps")
    batch, latent, width = 8, 12, 8
    oh_w, ie_w, a_w = 1.0, 5.0, 0.1
    teacher = LeNet5()
    teacher.eval()
    gen = Generator(latent, 32, 1, width, width // 2)
    student = LeNet5(half=True)
    fx.cfg("dafl", batch=batch, latent=latent, width=width, lr_g=0.2, lr_s=2e-3, oh=oh_w, ie=ie_w, a=a_w)
    for prefix, model in (("teacher", teacher), ("generator", gen), ("student", student)):
        for name, p in model.state_dict().items():
            fx.add(f"init.{prefix}.{name}", p)
    opt_g = torch.optim.Adam(gen.parameters(), lr=0.2)
    opt_s = torch.optim.Adam(student.parameters(), lr=2e-3)
    for step in range(1, 4):
        z = torch.randn(batch, latent)
        fx.add(f"step{step}.z", z)
        opt_g.zero_grad()
        opt_s.zero_grad()
        images = gen(z)
        out_t, feat_t = teacher(images)
        pred = out_t.data.max(1)[1]
        loss_a = -feat_t.abs().mean()
        loss_oh = F.cross_entropy(out_t, pred)
        p_bar = F.softmax(out_t, dim=1).mean(dim=0)
        loss_ie = (p_bar * torch.log10(p_bar)).sum()
        loss = oh_w * loss_oh + ie_w * loss_ie + a_w * loss_a
        out_s, _ = student(images.detach())
        loss_kd = F.kl_div(F.log_softmax(out_s, dim=1), F.softmax(out_t.detach(), dim=1), reduction="sum") / batch
        loss = loss + loss_kd
        loss.backward()
        opt_g.step()
        opt_s.step()
        for name, value in (("oh", loss_oh), ("ie", loss_ie), ("a", loss_a), ("kd", loss_kd), ("total", loss)):
            fx.add(f"step{step}.{name}", value)
    for prefix, model in (("generator", gen), ("student", student)):
        for name, p in model.state_dict().items():
            fx.add(f"after.{prefix}.{name}", p)
    return fx


# ---------------------------------------------------------------------------------------------------- PyTorch checkpoints

def official_lenet_module():
    """The module `lenet` of the official DAFL code (lenet.py): LeNet5 and LeNet5Half keep every layer as an
    attribute (conv1, relu1, maxpool1, ..., fc2). A pickled module names its class by module and name, so the
    classes are made to live in a module called `lenet`, as a `torch.save(net)` of the official scripts records."""
    import types
    lenet = types.ModuleType("lenet")

    class LeNet5(nn.Module):
        def __init__(self, widths=(6, 16, 120, 84)):
            super().__init__()
            c1, c2, c3, f1 = widths
            self.conv1 = nn.Conv2d(1, c1, kernel_size=(5, 5))
            self.relu1 = nn.ReLU()
            self.maxpool1 = nn.MaxPool2d(kernel_size=(2, 2), stride=2)
            self.conv2 = nn.Conv2d(c1, c2, kernel_size=(5, 5))
            self.relu2 = nn.ReLU()
            self.maxpool2 = nn.MaxPool2d(kernel_size=(2, 2), stride=2)
            self.conv3 = nn.Conv2d(c2, c3, kernel_size=(5, 5))
            self.relu3 = nn.ReLU()
            self.fc1 = nn.Linear(c3, f1)
            self.relu4 = nn.ReLU()
            self.fc2 = nn.Linear(f1, 10)
            self.features = c3

        def forward(self, img, out_feature=False):
            output = self.maxpool1(self.relu1(self.conv1(img)))
            output = self.maxpool2(self.relu2(self.conv2(output)))
            feature = self.relu3(self.conv3(output)).view(-1, self.features)
            output = self.fc2(self.relu4(self.fc1(feature)))
            return (output, feature) if out_feature else output

    class LeNet5Half(LeNet5):
        def __init__(self):
            super().__init__((3, 8, 60, 42))

    for cls in (LeNet5, LeNet5Half):
        cls.__module__, cls.__qualname__ = "lenet", cls.__name__
        setattr(lenet, cls.__name__, cls)
    sys.modules["lenet"] = lenet
    return lenet


def trained_a_little(net, steps=40):
    """A few Adam steps on a fixed random batch, so the weights are not an initialisation's and the logits differ."""
    x = torch.randn(64, 1, 32, 32)
    labels = torch.randint(0, 10, (64,))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(net(x), labels).backward()
        opt.step()
    return net.eval()


def saved_from_gpu(save):
    """Runs save() with every storage tagged 'cuda:0', as the official scripts' checkpoints are (no GPU needed)."""
    import torch.serialization as serialization
    tag = serialization.location_tag
    serialization.location_tag = lambda storage: "cuda:0"
    try:
        save()
    finally:
        serialization.location_tag = tag


def pytorch():
    """Checkpoints as PyTorch writes them (`torch.save`, pickle protocol 2), in Fixtures/pytorch/, and what they hold:
    - `teacher`: `torch.save(net)` of the official LeNet5 (class `lenet.LeNet5`), zip format, no extension;
    - `student`: the official student as DAFL-train.py saves it, LeNet5Half in `nn.DataParallel` (keys `module.*`),
      its storages tagged cuda:0 and the wrapper's GPU attributes (device_ids, output_device, src_device_obj) set;
    - `student_legacy.pt`: the same LeNet5Half module in the legacy (non-zip) format;
    - `lenet5_half_state_dict.pt`: `torch.save(net.state_dict())` of it;
    - `layouts.pt`: a state dict of float16, bfloat16 and float64 tensors, a transposed (non-contiguous) view, two
      tensors on one storage at offsets, an int64 num_batches_tracked and a 0-dim tensor;
    - `int8.pt`, `complex.pt`: one tensor of a dtype no float checkpoint has;
    - `wrong_shape.pt`: a LeNet5Half state dict whose fc1.weight is [42, 61] instead of [42, 60].
    pytorch.bin holds, per model, a fixed batch `x` and PyTorch's logits for it, and each layouts.pt tensor's values
    as float32 (`layouts/<key>`)."""
    fx = FixtureFile("pytorch")
    root = os.path.join(OUT_DIR, "pytorch")
    os.makedirs(root, exist_ok=True)
    lenet = official_lenet_module()
    x = torch.randn(4, 1, 32, 32)
    fx.add("x", x)

    teacher = trained_a_little(lenet.LeNet5())
    torch.save(teacher, os.path.join(root, "teacher"))
    student = trained_a_little(lenet.LeNet5Half())
    with torch.no_grad():
        fx.add("teacher/logits", teacher(x))
        fx.add("student/logits", student(x))

    wrapped = nn.DataParallel(student)  # on a machine without CUDA it keeps only module and device_ids
    wrapped.device_ids, wrapped.output_device, wrapped.src_device_obj = [0], 0, torch.device("cuda", 0)
    saved_from_gpu(lambda: torch.save(wrapped, os.path.join(root, "student")))
    torch.save(student, os.path.join(root, "student_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(student.state_dict(), os.path.join(root, "lenet5_half_state_dict.pt"))

    shared = torch.randn(10)
    base = torch.randn(3, 4)
    layouts = collections.OrderedDict([
        ("half", torch.randn(2, 3).half()),
        ("bfloat16", torch.randn(5).bfloat16()),
        ("double", torch.randn(2, 2, dtype=torch.float64) * 1e3),
        ("transposed", base.t()),
        ("first_part", shared[1:4]),
        ("second_part", shared[4:10].view(2, 3)),
        ("bn.num_batches_tracked", torch.tensor(1234, dtype=torch.int64)),
        ("scalar", torch.tensor(2.5)),
    ])
    torch.save(layouts, os.path.join(root, "layouts.pt"))
    for key, t in layouts.items():
        fx.add(f"layouts/{key}", t)
    torch.save({"w": torch.tensor([1, -2, 3], dtype=torch.int8)}, os.path.join(root, "int8.pt"))
    torch.save({"w": torch.tensor([1 + 2j], dtype=torch.complex64)}, os.path.join(root, "complex.pt"))
    wrong = student.state_dict()
    wrong["fc1.weight"] = torch.randn(42, 61)
    torch.save(wrong, os.path.join(root, "wrong_shape.pt"))
    return fx


FAMILIES = [activation, elementwise, reduce, softmax, dafl, linear, conv, norm, pool, lenet5, generator, optim, dafl_steps, pytorch]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "DafL.Tests", "Fixtures")
    os.makedirs(out_dir, exist_ok=True)
    global OUT_DIR
    OUT_DIR = out_dir
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    total = 0
    for family in FAMILIES:
        # One seed per file, from its name: a new case or family leaves the other files unchanged.
        torch.manual_seed(zlib.crc32(family.__name__.encode()))
        fx = family()
        path = fx.write(out_dir)
        size = os.path.getsize(path)
        total += size
        print(f"{path}: {len(fx.tensors)} tensors, {size} bytes")
    print(f"total {total} bytes, torch {torch.__version__}")


if __name__ == "__main__":
    main()
