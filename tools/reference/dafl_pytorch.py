#!/usr/bin/env python3
"""DAFL (Chen et al., ICCV 2019) in plain PyTorch: the side-by-side reference for DafL.Native.

Same presets and the same checkpoint format (safetensors, PyTorch state_dict key names) as the C# CLI, so the two
can be compared for accuracy and time and can exchange weights. Models, losses and the training loop follow the
official code exactly (shared/reference/dafl-facts.md sections 1 and 2); every hyperparameter can be overridden.

Runs on Debian's torch 1.13 (CPU) and unchanged on torch 2.x with --device cuda. No torchvision needed: the MNIST
Resize((32, 32)) is Pillow's bilinear resize, which is what torchvision calls on a PIL image.

  teacher  train the teacher (LeNet-5 on MNIST/Fashion-MNIST, ResNet-34 on CIFAR) on real data
  distill  train the student from the teacher alone, with the DAFL generator
  eval     test-set accuracy of a saved checkpoint

Example (MNIST, CPU-sized preset):
  /usr/bin/python3 tools/reference/dafl_pytorch.py teacher --preset mnist-quick --data data/mnist --out runs/q
  /usr/bin/python3 tools/reference/dafl_pytorch.py distill --preset mnist-quick --data data/mnist --out runs/q
"""

import argparse
import copy
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import philox_streams

# ---------------------------------------------------------------------------------------------------------------
# Presets. "teacher" and "distill" hold the settings of the two subcommands; the official values are in
# dafl-facts.md section 2 (DAFL-train.py argparse defaults and README commands, teacher-train.py).
# ---------------------------------------------------------------------------------------------------------------

MNIST_TEACHER = dict(arch="lenet5", batch=256, epochs=9, optimizer="adam", lr=1e-3, momentum=0.0, weight_decay=0.0,
                     milestones=[], augment=False)
CIFAR_TEACHER = dict(arch="resnet34", batch=128, epochs=199, optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4,
                     milestones=[80, 120], augment=True)
MNIST_DISTILL = dict(student="lenet5-half", batch=512, epochs=200, iters_per_epoch=120, lr_g=0.2, lr_s=2e-3,
                     latent=100, gen_width=128, oh=1.0, ie=5.0, a=0.1, student_opt="adam", momentum=0.0,
                     weight_decay=0.0, milestones=[], g_milestones=[], student_ema=0.0)
CIFAR_DISTILL = dict(student="resnet18", batch=1024, epochs=2000, iters_per_epoch=120, lr_g=0.02, lr_s=0.1,
                     latent=1000, gen_width=128, student_opt="sgd", momentum=0.9, weight_decay=5e-4,
                     milestones=[800, 1600], g_milestones=[], student_ema=0.0)

PRESETS = {
    "mnist": dict(dataset="mnist", teacher=MNIST_TEACHER, distill=MNIST_DISTILL),
    # CPU-sized MNIST: tuned on a 2-core machine so the distillation takes about two minutes (docs/RESULTS.md).
    # Official losses and iteration structure; a narrower generator, a smaller batch, fewer iterations.
    # Ours, sized for a 2-core CPU (same values as src/DafL.Training/DistillPresets.cs): the paper's losses, weights
    # and learning rates with a 16-wide generator and batch 64, 30 x 100 iterations, lr_G x 0.1 at epoch 15; the teacher
    # trains 5 epochs.
    "mnist-quick": dict(dataset="mnist",
                        teacher=dict(MNIST_TEACHER, epochs=5),
                        distill=dict(MNIST_DISTILL, batch=64, epochs=30, iters_per_epoch=100, gen_width=16,
                                     lr_g=0.2, lr_s=2e-3, g_milestones=[15])),
    # Ours, the longer CPU preset (src/DafL.Training/DistillPresets.cs): width 32, batch 512, 150 x 100 iterations,
    # lr_S x 0.1 at epoch 80, lr_G x 0.1 at 110; the official teacher.
    "mnist-long": dict(dataset="mnist", teacher=MNIST_TEACHER,
                       distill=dict(MNIST_DISTILL, batch=512, epochs=150, iters_per_epoch=100, gen_width=32,
                                    milestones=[80], g_milestones=[110])),
    # DAFL has no Fashion-MNIST setting: the mnist-quick recipe (without its lr_G milestone, not measured on Fashion-MNIST),
    # on Fashion-MNIST's own normalisation.
    "fashion-mnist": dict(dataset="fashion-mnist",
                          teacher=dict(MNIST_TEACHER, epochs=5),
                          distill=dict(MNIST_DISTILL, batch=64, epochs=30, iters_per_epoch=100, gen_width=16,
                                       lr_g=0.2, lr_s=2e-3)),
    "cifar10": dict(dataset="cifar10", teacher=CIFAR_TEACHER, distill=dict(CIFAR_DISTILL, oh=0.05, ie=5.0, a=0.01)),
    "cifar100": dict(dataset="cifar100", teacher=CIFAR_TEACHER, distill=dict(CIFAR_DISTILL, oh=0.5, ie=20.0, a=0.1)),
}

# ---------------------------------------------------------------------------------------------------------------
# Data: IDX (MNIST, Fashion-MNIST) and the CIFAR binary versions, kept as uint8 (N, C, 32, 32) on the device and
# normalised per batch exactly as ToTensor() + Normalize(): (b / 255 - mean) / std in float32.
# ---------------------------------------------------------------------------------------------------------------

DATASETS = {
    "mnist": dict(channels=1, classes=10, mean=[0.1307], std=[0.3081], folder="mnist"),
    # Fashion-MNIST's own training-set statistics, as DafL.Data uses.
    "fashion-mnist": dict(channels=1, classes=10, mean=[0.2860], std=[0.3530], folder="fashion-mnist"),
    "cifar10": dict(channels=3, classes=10, mean=[0.4914, 0.4822, 0.4465], std=[0.2023, 0.1994, 0.2010],
                    folder="cifar-10-batches-bin"),
    # DAFL uses the CIFAR-10 constants for CIFAR-100 too.
    "cifar100": dict(channels=3, classes=100, mean=[0.4914, 0.4822, 0.4465], std=[0.2023, 0.1994, 0.2010],
                     folder="cifar-100-binary"),
}


def find_file(folder, names, what):
    """The first of `names` found in `folder`, or in its dataset subfolder's usual place."""
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise SystemExit(f"{what}: none of {names} in {folder}")


def dataset_folder(data_root, dataset):
    """--data may name the folder holding the files or the data root holding the dataset's usual subfolder."""
    sub = os.path.join(data_root, DATASETS[dataset]["folder"])
    return sub if os.path.isdir(sub) else data_root


def read_idx(path, magic):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    got, = struct.unpack(">i", raw[:4])
    if got != magic:
        raise SystemExit(f"{path}: IDX magic {got:#x}, expected {magic:#x}")
    ndim = magic & 0xFF
    shape = struct.unpack(">" + "i" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise SystemExit(f"{path}: {data.size} bytes of data for shape {shape}")
    return data.reshape(shape)


def resize_32(images_28):
    """torchvision Resize((32, 32)) on a PIL 'L' image = PIL Image.resize((32, 32), BILINEAR), uint8 in and out."""
    from PIL import Image
    out = np.empty((images_28.shape[0], 32, 32), dtype=np.uint8)
    for i, img in enumerate(images_28):
        out[i] = np.asarray(Image.fromarray(img, mode="L").resize((32, 32), Image.BILINEAR))
    return out


def load_mnist_family(folder, train):
    prefix = "train" if train else "t10k"
    img_path = find_file(folder, [f"{prefix}-images-idx3-ubyte", f"{prefix}-images-idx3-ubyte.gz"], "images")
    lab_path = find_file(folder, [f"{prefix}-labels-idx1-ubyte", f"{prefix}-labels-idx1-ubyte.gz"], "labels")
    images = resize_32(read_idx(img_path, 0x803))[:, None]  # (N, 1, 32, 32)
    labels = read_idx(lab_path, 0x801)
    return images, labels


def load_cifar(folder, dataset, train):
    if dataset == "cifar10":
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] if train else ["test_batch.bin"]
        label_bytes, label_index = 1, 0
    else:
        names = ["train.bin" if train else "test.bin"]
        label_bytes, label_index = 2, 1  # coarse label, fine label; the fine label is the class
    records = []
    for name in names:
        path = find_file(folder, [name], dataset)
        raw = np.fromfile(path, dtype=np.uint8)
        record = label_bytes + 3072
        if raw.size % record:
            raise SystemExit(f"{path}: {raw.size} bytes is not a whole number of {record}-byte records")
        records.append(raw.reshape(-1, record))
    rec = np.concatenate(records)
    return rec[:, label_bytes:].reshape(-1, 3, 32, 32), rec[:, label_index]


class Split:
    """One split on the device: uint8 images (N, C, 32, 32), int64 labels (N,), and the normalisation."""

    def __init__(self, dataset, data_root, train, device):
        folder = dataset_folder(data_root, dataset)
        if dataset in ("mnist", "fashion-mnist"):
            images, labels = load_mnist_family(folder, train)
        else:
            images, labels = load_cifar(folder, dataset, train)
        info = DATASETS[dataset]
        self.images = torch.from_numpy(np.ascontiguousarray(images)).to(device)
        self.labels = torch.from_numpy(labels.astype(np.int64)).to(device)
        self.mean = torch.tensor(info["mean"], dtype=torch.float32, device=device).view(1, -1, 1, 1)
        self.std = torch.tensor(info["std"], dtype=torch.float32, device=device).view(1, -1, 1, 1)

    def __len__(self):
        return self.labels.shape[0]

    def normalize(self, u8):
        return (u8.float() / 255).sub_(self.mean).div_(self.std)


def crop_flip(u8, gen):
    """RandomCrop(32, padding=4) (zero padding, before ToTensor) and RandomHorizontalFlip(), per sample. (B, C, 32, 32)."""
    b = u8.shape[0]
    dev = u8.device
    padded = F.pad(u8, (4, 4, 4, 4))  # (B, C, 40, 40)
    oy = torch.randint(0, 9, (b,), generator=gen).to(dev)
    ox = torch.randint(0, 9, (b,), generator=gen).to(dev)
    flip = (torch.rand(b, generator=gen) < 0.5).to(dev)
    ar = torch.arange(32, device=dev)
    rows = (oy[:, None] + ar)  # (B, 32)
    cols = torch.where(flip[:, None], ox[:, None] + 31 - ar, ox[:, None] + ar)  # (B, 32)
    bi = torch.arange(b, device=dev)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[bi, rows[:, :, None], cols[:, None, :]]  # (B, 32, 32, C)
    return out.permute(0, 3, 1, 2).contiguous()


# ---------------------------------------------------------------------------------------------------------------
# Models (dafl-facts.md section 1). Every forward returns (logits, features); features = input of the last linear.
# ---------------------------------------------------------------------------------------------------------------


class LeNet5(nn.Module):
    """lenet.py LeNet5 (widths 6, 16, 120, 84) and LeNet5Half (3, 8, 60, 42), same attribute names."""

    def __init__(self, half=False, num_classes=10):
        super().__init__()
        c1, c2, c3, f1 = (3, 8, 60, 42) if half else (6, 16, 120, 84)
        self.conv1 = nn.Conv2d(1, c1, kernel_size=5)
        self.relu1 = nn.ReLU()
        self.maxpool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5)
        self.relu2 = nn.ReLU()
        self.maxpool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv3 = nn.Conv2d(c2, c3, kernel_size=5)
        self.relu3 = nn.ReLU()
        self.fc1 = nn.Linear(c3, f1)
        self.relu4 = nn.ReLU()
        self.fc2 = nn.Linear(f1, num_classes)
        self.feature_dim = c3

    def forward(self, img):  # (B, 1, 32, 32)
        out = self.maxpool1(self.relu1(self.conv1(img)))  # (B, c1, 14, 14)
        out = self.maxpool2(self.relu2(self.conv2(out)))  # (B, c2, 5, 5)
        feature = self.relu3(self.conv3(out)).view(-1, self.feature_dim)  # (B, c3)
        return self.fc2(self.relu4(self.fc1(feature))), feature


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """resnet.py (kuangliu CIFAR style): 3x3 stem without max-pool, 4 stages, 4x4 average pool, linear."""

    def __init__(self, num_blocks, num_classes=10):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(64, num_blocks[0], 1)
        self.layer2 = self._make_layer(128, num_blocks[1], 2)
        self.layer3 = self._make_layer(256, num_blocks[2], 2)
        self.layer4 = self._make_layer(512, num_blocks[3], 2)
        self.linear = nn.Linear(512, num_classes)

    def _make_layer(self, planes, num_blocks, stride):
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):  # (B, 3, 32, 32)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))  # (B, 512, 4, 4)
        feature = F.avg_pool2d(out, 4).view(out.size(0), -1)  # (B, 512)
        return self.linear(feature), feature


class Generator(nn.Module):
    """DAFL-train.py Generator; `width` replaces 128 and width/2 replaces 64 (gen-width 128 is the official one)."""

    def __init__(self, latent, channels, width=128, img_size=32):
        super().__init__()
        self.init_size = img_size // 4
        self.width = width
        self.l1 = nn.Sequential(nn.Linear(latent, width * self.init_size ** 2))
        self.conv_blocks0 = nn.Sequential(nn.BatchNorm2d(width))
        self.conv_blocks1 = nn.Sequential(
            nn.Conv2d(width, width, 3, stride=1, padding=1),
            nn.BatchNorm2d(width, 0.8),  # second positional argument is eps: eps = 0.8, as in the official code
            nn.LeakyReLU(0.2, inplace=True))
        self.conv_blocks2 = nn.Sequential(
            nn.Conv2d(width, width // 2, 3, stride=1, padding=1),
            nn.BatchNorm2d(width // 2, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width // 2, channels, 3, stride=1, padding=1),
            nn.Tanh(),
            nn.BatchNorm2d(channels, affine=False))

    def forward(self, z):  # (B, latent)
        out = self.l1(z).view(z.shape[0], self.width, self.init_size, self.init_size)  # (B, w, 8, 8)
        img = self.conv_blocks0(out)
        img = F.interpolate(img, scale_factor=2)  # nearest, (B, w, 16, 16)
        img = self.conv_blocks1(img)
        img = F.interpolate(img, scale_factor=2)  # (B, w, 32, 32)
        return self.conv_blocks2(img)  # (B, C, 32, 32)


def make_model(arch, num_classes):
    if arch == "lenet5":
        return LeNet5(False, num_classes)
    if arch == "lenet5-half":
        return LeNet5(True, num_classes)
    if arch == "resnet18":
        return ResNet([2, 2, 2, 2], num_classes)
    if arch == "resnet34":
        return ResNet([3, 4, 6, 3], num_classes)
    raise SystemExit(f"unknown architecture {arch}")


def infer_arch(state):
    """The architecture a state_dict belongs to, from its keys and shapes."""
    if "conv1.bias" in state:
        return "lenet5-half" if state["conv1.weight"].shape[0] == 3 else "lenet5"
    return "resnet34" if "layer3.5.conv1.weight" in state else "resnet18"


# ---------------------------------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__},
# padded with spaces to a multiple of 8, then the raw little-endian tensor bytes.
# ---------------------------------------------------------------------------------------------------------------

ST_DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}
ST_NUMPY = {"F32": "<f4", "I64": "<i8"}


def save_safetensors(path, state, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        if name.startswith("module."):
            name = name[len("module."):]
        t = t.detach().to("cpu").contiguous()
        if t.dtype not in ST_DTYPES:
            raise SystemExit(f"save_safetensors: {name} has dtype {t.dtype}; only float32 and int64 are written")
        st_dtype, np_dtype = ST_DTYPES[t.dtype]
        blob = t.numpy().astype(np_dtype, copy=False).tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def load_safetensors(path):
    """(state_dict of CPU tensors, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    n, = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    metadata = header.pop("__metadata__", {})
    state = {}
    for name, entry in header.items():
        if entry["dtype"] not in ST_NUMPY:
            raise SystemExit(f"{path}: {name} has dtype {entry['dtype']}; only F32 and I64 are read")
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=ST_NUMPY[entry["dtype"]]).reshape(entry["shape"])
        key = name[len("module."):] if name.startswith("module.") else name
        state[key] = torch.from_numpy(arr.copy())
    return state, metadata


# ---------------------------------------------------------------------------------------------------------------
# Training helpers
# ---------------------------------------------------------------------------------------------------------------


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def evaluate(model, split, batch=1024):
    model.eval()
    correct = 0
    for i in range(0, len(split), batch):
        logits, _ = model(split.normalize(split.images[i:i + batch]))
        correct += (logits.argmax(1) == split.labels[i:i + batch]).sum()
    return correct.item() / len(split)


class WeightAverage:
    """The moving average of a model's weights that DafL.Native's --student-ema keeps (src/DafL/Optim/ModelEma.cs):
    after update t, avg += (1 - d) * (w - avg) with d = min(decay, (1 + t) / (10 + t)); num_batches_tracked is copied."""

    def __init__(self, model, decay):
        self.decay = decay
        self.model = copy.deepcopy(model)
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model, t):
        keep = 1.0 - min(self.decay, (1.0 + t) / (10.0 + t))
        own = self.model.state_dict()
        for key, w in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                own[key].copy_(w)
            else:
                own[key].add_(w - own[key], alpha=keep)


def step_lr(optimizer, base_lr, epoch, milestones):
    """lr = base_lr * 0.1^(number of milestones <= epoch), as the official adjust_learning_rate functions do."""
    lr = base_lr * 0.1 ** sum(epoch >= m for m in milestones)
    for g in optimizer.param_groups:
        g["lr"] = lr
    return lr


class Log:
    """Prints each record and appends it as one JSON line to the log file."""

    def __init__(self, path):
        self.f = open(path, "a")

    def __call__(self, record):
        line = json.dumps(record)
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def entropy_loss(p_mean, variant):
    """L_ie: official (p̄ · log10 p̄).sum(); paper (1/K)(p̄ · ln p̄).sum() (= minus the paper's H_info)."""
    if variant == "official":
        return (p_mean * torch.log10(p_mean)).sum()
    return (p_mean * torch.log(p_mean)).sum() / p_mean.shape[0]


def activation_loss(features, variant):
    """L_a: official −|f|.mean() over batch and features; paper −(1/n)Σ‖f‖₁ = −|f|.sum(1).mean()."""
    if variant == "official":
        return -features.abs().mean()
    return -features.abs().sum(1).mean()


def kd_loss(student_logits, teacher_logits):
    """KL(p_T ‖ p_S) summed over classes and batch, divided by the batch (temperature 1), as the official kdloss."""
    return F.kl_div(F.log_softmax(student_logits, dim=1), F.softmax(teacher_logits, dim=1),
                    reduction="sum") / student_logits.shape[0]


# ---------------------------------------------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------------------------------------------


def cmd_teacher(args, cfg, device):
    info = DATASETS[cfg["dataset"]]
    t0 = time.perf_counter()
    train = Split(cfg["dataset"], args.data, True, device)
    test = Split(cfg["dataset"], args.data, False, device)
    load_s = time.perf_counter() - t0
    torch.manual_seed(cfg["seed"])
    shuffle_gen = torch.Generator().manual_seed(cfg["seed"])
    net = make_model(cfg["arch"], info["classes"]).to(device)
    if cfg["optimizer"] == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    else:
        opt = torch.optim.SGD(net.parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                              weight_decay=cfg["weight_decay"])
    log = Log(os.path.join(args.out, "teacher.jsonl"))
    log({"event": "config", "load_s": round(load_s, 3), **cfg})
    best, steps, train_s, epoch_times = 0.0, 0, 0.0, []
    sync(device)
    cpu0 = time.process_time()
    start = time.perf_counter()
    for epoch in range(cfg["epochs"]):
        lr = step_lr(opt, cfg["lr"], epoch, cfg["milestones"])
        net.train()
        sync(device)
        e0 = time.perf_counter()
        order = torch.randperm(len(train), generator=shuffle_gen).to(device)
        loss_sum = torch.zeros((), device=device)
        n_batches = 0
        for i in range(0, len(train), cfg["batch"]):
            idx = order[i:i + cfg["batch"]]
            u8 = train.images[idx]
            if cfg["augment"]:
                u8 = crop_flip(u8, shuffle_gen)
            logits, _ = net(train.normalize(u8))
            loss = F.cross_entropy(logits, train.labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.detach()
            n_batches += 1
        sync(device)
        epoch_train_s = time.perf_counter() - e0
        epoch_times.append(epoch_train_s)
        train_s += epoch_train_s
        steps += n_batches
        acc = evaluate(net, test)
        best = max(best, acc)
        log({"event": "epoch", "epoch": epoch + 1, "lr": lr, "loss": loss_sum.item() / n_batches, "acc": acc,
             "best_acc": best, "train_s": round(epoch_train_s, 3), "elapsed_s": round(time.perf_counter() - start, 3)})
    wall = time.perf_counter() - start
    # The official teacher-train.py saves the model after the last epoch (not the best).
    path = os.path.join(args.out, "teacher.safetensors")
    save_safetensors(path, net.state_dict(), {"arch": cfg["arch"], "dataset": cfg["dataset"],
                                              "config": json.dumps(cfg)})
    log({"event": "done", "last_acc": acc, "best_acc": best, "wall_s": round(wall, 3), "train_s": round(train_s, 3),
         "cpu_s": round(time.process_time() - cpu0, 3), "mean_step_ms": round(1000 * train_s / steps, 3),
         "min_epoch_train_s": round(min(epoch_times), 3), "steps": steps, "checkpoint": path})


def cmd_distill(args, cfg, device):
    info = DATASETS[cfg["dataset"]]
    t0 = time.perf_counter()
    test = Split(cfg["dataset"], args.data, False, device)
    teacher_path = args.teacher or os.path.join(args.out, "teacher.safetensors")
    t_state, t_meta = load_safetensors(teacher_path)
    t_arch = t_meta.get("arch") or infer_arch(t_state)
    teacher = make_model(t_arch, info["classes"])
    teacher.load_state_dict(t_state)
    teacher.to(device).eval()
    for p in teacher.parameters():  # in no optimizer in the official code; not computing their grads is the same
        p.requires_grad_(False)
    load_s = time.perf_counter() - t0

    torch.manual_seed(cfg["seed"])
    generator = Generator(cfg["latent"], info["channels"], cfg["gen_width"])
    student = make_model(cfg["student"], info["classes"])
    if cfg["rng"] == "dafl":  # DafL.Native's initial weights and latent noise for this seed (philox_streams.py)
        philox_streams.init_like_dafl_native(generator, philox_streams.stream_for(cfg["seed"], "generator-init"))
        philox_streams.init_like_dafl_native(student, philox_streams.stream_for(cfg["seed"], "student-init"))
        dafl_noise = philox_streams.stream_for(cfg["seed"], "latent-noise")
        draw_z = lambda: torch.from_numpy(dafl_noise.normal((cfg["batch"], cfg["latent"]))).to(device)
    else:
        noise = torch.Generator(device=device).manual_seed(cfg["seed"])
        draw_z = lambda: torch.randn(cfg["batch"], cfg["latent"], device=device, generator=noise)
    generator.to(device)
    student.to(device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg["lr_g"])
    if cfg["student_opt"] == "adam":
        opt_s = torch.optim.Adam(student.parameters(), lr=cfg["lr_s"])
    else:
        opt_s = torch.optim.SGD(student.parameters(), lr=cfg["lr_s"], momentum=cfg["momentum"],
                                weight_decay=cfg["weight_decay"])

    average = WeightAverage(student, cfg["student_ema"]) if cfg["student_ema"] > 0 else None
    reported = average.model if average else student  # evaluated and saved
    log = Log(os.path.join(args.out, "distill.jsonl"))
    teacher_acc = evaluate(teacher, test)
    log({"event": "config", "teacher": teacher_path, "teacher_arch": t_arch, "teacher_acc": teacher_acc,
         "load_s": round(load_s, 3), "threads": torch.get_num_threads(), "torch": torch.__version__,
         "device": str(device), **cfg})
    best, best_epoch, train_s, steps, epoch_times = 0.0, 0, 0.0, 0, []
    student_path = os.path.join(args.out, "student.safetensors")
    meta = {"arch": cfg["student"], "dataset": cfg["dataset"], "config": json.dumps(cfg)}
    sync(device)
    cpu0 = time.process_time()
    start = time.perf_counter()
    for epoch in range(cfg["epochs"]):
        lr_s = step_lr(opt_s, cfg["lr_s"], epoch, cfg["milestones"])
        lr_g = step_lr(opt_g, cfg["lr_g"], epoch, cfg["g_milestones"])
        sums = torch.zeros(5, device=device)  # oh, ie, a, kd, total
        sync(device)
        e0 = time.perf_counter()
        for _ in range(cfg["iters_per_epoch"]):
            losses = dafl_step(generator, teacher, student, opt_g, opt_s, draw_z(), cfg)
            steps += 1
            if average:
                average.update(student, steps)
            sums += losses
        sync(device)
        epoch_train_s = time.perf_counter() - e0
        epoch_times.append(epoch_train_s)
        train_s += epoch_train_s
        acc = evaluate(reported, test)
        raw = {"acc_raw": evaluate(student, test)} if average else {}
        if acc > best:  # the official code keeps the best-on-test student
            best, best_epoch = acc, epoch + 1
            save_safetensors(student_path, reported.state_dict(), dict(meta, epoch=epoch + 1, acc=acc))
        m = (sums / cfg["iters_per_epoch"]).tolist()
        log({"event": "epoch", "epoch": epoch + 1, "lr_s": lr_s, "lr_g": lr_g, "loss_oh": m[0], "loss_ie": m[1], "loss_a": m[2],
             "loss_kd": m[3], "loss": m[4], "acc": acc, **raw, "best_acc": best,
             "train_s": round(epoch_train_s, 3), "elapsed_s": round(time.perf_counter() - start, 3)})
    wall = time.perf_counter() - start
    save_safetensors(os.path.join(args.out, "student_last.safetensors"), reported.state_dict(),
                     dict(meta, epoch=cfg["epochs"], acc=acc))
    save_safetensors(os.path.join(args.out, "generator.safetensors"), generator.state_dict(),
                     {"arch": "dafl-generator", "config": json.dumps(cfg)})
    log({"event": "done", "teacher_acc": teacher_acc, "best_acc": best, "best_epoch": best_epoch, "last_acc": acc,
         "wall_s": round(wall, 3), "train_s": round(train_s, 3), "cpu_s": round(time.process_time() - cpu0, 3),
         "mean_step_ms": round(1000 * train_s / steps, 3),
         "min_step_ms": round(1000 * min(epoch_times) / cfg["iters_per_epoch"], 3), "steps": steps,
         "checkpoint": student_path})


def dafl_step(generator, teacher, student, opt_g, opt_s, z, cfg):
    """One DAFL iteration of the official code; returns the detached (oh, ie, a, kd, total) losses."""
    student.train()
    opt_g.zero_grad()
    opt_s.zero_grad()
    gen_imgs = generator(z)
    outputs_t, features_t = teacher(gen_imgs)
    pred = outputs_t.detach().max(1)[1]  # argmax pseudo-labels
    loss_activation = activation_loss(features_t, cfg["activation"])
    loss_one_hot = F.cross_entropy(outputs_t, pred)
    softmax_o_t = F.softmax(outputs_t, dim=1).mean(dim=0)
    loss_information_entropy = entropy_loss(softmax_o_t, cfg["entropy"])
    loss = cfg["oh"] * loss_one_hot + cfg["ie"] * loss_information_entropy + cfg["a"] * loss_activation
    loss_kd = kd_loss(student(gen_imgs.detach())[0], outputs_t.detach())
    loss = loss + loss_kd
    loss.backward()  # one backward: G gets the oh/ie/a gradients, the student only KD's
    opt_g.step()
    opt_s.step()
    return torch.stack([loss_one_hot, loss_information_entropy, loss_activation, loss_kd, loss]).detach()


def cmd_step(args, cfg, device):
    """Times the DAFL step alone, as `dafl profile --json` does: a teacher of random weights (the cost does not depend
    on them), no data, a warm-up, then each timed step on its own clock. Prints one JSON object."""
    info = DATASETS[cfg["dataset"]]
    torch.manual_seed(cfg["seed"])
    teacher = make_model(args.teacher_arch, info["classes"]).to(device).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    generator = Generator(cfg["latent"], info["channels"], cfg["gen_width"]).to(device)
    student = make_model(cfg["student"], info["classes"]).to(device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg["lr_g"])
    opt_s = torch.optim.Adam(student.parameters(), lr=cfg["lr_s"])
    noise = torch.Generator(device=device).manual_seed(cfg["seed"])
    times = []
    for i in range(args.warmup + args.steps):
        z = torch.randn(cfg["batch"], cfg["latent"], device=device, generator=noise)
        sync(device)
        t0 = time.perf_counter()
        dafl_step(generator, teacher, student, opt_g, opt_s, z, cfg)
        sync(device)
        if i >= args.warmup:
            times.append(1000 * (time.perf_counter() - t0))
    print(json.dumps({"preset": args.preset, "batch": cfg["batch"], "generator_width": cfg["gen_width"],
                      "device": str(device), "threads": torch.get_num_threads(), "warmup": args.warmup,
                      "steps": args.steps, "step_ms": round(sum(times) / len(times), 3),
                      "min_step_ms": round(min(times), 3), "torch": torch.__version__}))


def cmd_eval(args, cfg, device):
    info = DATASETS[cfg["dataset"]]
    test = Split(cfg["dataset"], args.data, False, device)
    state, meta = load_safetensors(args.model)
    arch = args.arch or meta.get("arch") or infer_arch(state)
    net = make_model(arch, info["classes"])
    net.load_state_dict(state)
    net.to(device)
    t0 = time.perf_counter()
    acc = evaluate(net, test)
    print(json.dumps({"event": "eval", "model": args.model, "arch": arch, "dataset": cfg["dataset"], "acc": acc,
                      "seconds": round(time.perf_counter() - t0, 3)}), flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Command line: a preset gives every value; any flag given overrides it.
# ---------------------------------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--preset", choices=sorted(PRESETS), default="mnist")
        sp.add_argument("--dataset", choices=sorted(DATASETS), help="default: the preset's")
        sp.add_argument("--data", default="data", help="folder with the dataset files, or the data root above it")
        sp.add_argument("--out", default="runs/reference", help="output folder (logs, checkpoints)")
        sp.add_argument("--seed", type=int, default=1)
        sp.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
        sp.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
        sp.add_argument("--tf32", action="store_true",
                        help="let cuBLAS and cuDNN multiply in TF32 (off: plain FP32, as DafL.Native runs by default)")

    t = sub.add_parser("teacher", help="train the teacher on real data")
    common(t)
    t.add_argument("--arch", choices=["lenet5", "lenet5-half", "resnet18", "resnet34"])
    t.add_argument("--batch", type=int)
    t.add_argument("--epochs", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--optimizer", choices=["adam", "sgd"])
    t.add_argument("--momentum", type=float)
    t.add_argument("--weight-decay", type=float)
    t.add_argument("--milestones", type=int, nargs="*", help="epochs at which lr is multiplied by 0.1")
    t.add_argument("--augment", type=int, choices=[0, 1], help="CIFAR random crop + flip")

    d = sub.add_parser("distill", help="DAFL: train the student from the teacher and a generator")
    common(d)
    d.add_argument("--teacher", help="teacher checkpoint (default: OUT/teacher.safetensors)")
    d.add_argument("--student", choices=["lenet5", "lenet5-half", "resnet18", "resnet34"])
    d.add_argument("--batch", type=int)
    d.add_argument("--epochs", type=int)
    d.add_argument("--iters-per-epoch", type=int)
    d.add_argument("--lr-g", type=float)
    d.add_argument("--lr-s", type=float)
    d.add_argument("--latent", type=int)
    d.add_argument("--gen-width", type=int, help="generator channels (official 128; the second block has half)")
    d.add_argument("--oh", type=float, help="one-hot loss weight")
    d.add_argument("--ie", type=float, help="information-entropy loss weight")
    d.add_argument("--a", type=float, help="activation loss weight")
    d.add_argument("--entropy", choices=["official", "paper"], default="official")
    d.add_argument("--activation", choices=["official", "paper"], default="official")
    d.add_argument("--student-opt", choices=["adam", "sgd"])
    d.add_argument("--momentum", type=float)
    d.add_argument("--weight-decay", type=float)
    d.add_argument("--milestones", type=int, nargs="*", help="epochs at which lr_S is multiplied by 0.1")
    d.add_argument("--g-milestones", type=int, nargs="*", help="epochs at which lr_G is multiplied by 0.1 (ours)")
    d.add_argument("--student-ema", type=float, help="decay of a moving average of the student's weights, which is "
                                                     "then evaluated and saved (ours; 0: off)")
    d.add_argument("--rng", choices=["torch", "dafl"], default="torch",
                   help="torch: torch.manual_seed init and torch.randn noise; dafl: DafL.Native's initial weights "
                        "and latent noise for the same seed (philox_streams.py)")

    st = sub.add_parser("step", help="time the DAFL step alone (random teacher, no data), as dafl profile --json")
    common(st)
    st.add_argument("--batch", type=int)
    st.add_argument("--gen-width", type=int, help="generator channels (official 128; the second block has half)")
    st.add_argument("--teacher-arch", choices=["lenet5", "lenet5-half", "resnet18", "resnet34"], default="lenet5")
    st.add_argument("--warmup", type=int, default=20, help="steps run before timing")
    st.add_argument("--steps", type=int, default=20, help="steps timed")

    e = sub.add_parser("eval", help="test accuracy of a checkpoint")
    common(e)
    e.add_argument("--model", required=True, help="a .safetensors checkpoint")
    e.add_argument("--arch", choices=["lenet5", "lenet5-half", "resnet18", "resnet34"],
                   help="default: from the checkpoint's metadata or keys")
    return p.parse_args(argv)


def resolve(args):
    preset = PRESETS[args.preset]
    cfg = {"command": args.command, "preset": args.preset, "dataset": args.dataset or preset["dataset"],
           "seed": args.seed}
    if args.command in ("teacher", "distill", "step"):
        cfg.update(preset["teacher" if args.command == "teacher" else "distill"])
        for key in list(cfg):
            value = getattr(args, key, None)
            if value is not None and key not in ("command", "preset", "dataset", "seed"):
                cfg[key] = value
        if args.command == "teacher" and "augment" in cfg:
            cfg["augment"] = bool(cfg["augment"])
        if args.command == "distill":
            cfg["entropy"], cfg["activation"], cfg["rng"] = args.entropy, args.activation, args.rng
        if args.command == "step":  # the official losses: their cost is what is timed
            cfg["entropy"], cfg["activation"] = "official", "official"
        if args.command in ("distill", "step"):
            if cfg["gen_width"] % 2:
                raise SystemExit("--gen-width must be even (the second block has width/2 channels)")
    return cfg


def set_tf32(enabled):
    """Sets whether cuBLAS and cuDNN may multiply in TF32, and returns the two settings as read back.

    Both are set, never left at their defaults: cuDNN's is on by default, so convolutions would be TF32 while
    DafL.Native's are FP32. torch 2.9 and later have fp32_precision for this and warn on the old allow_tf32 flags
    (and refuse a mix of the two); torch 1.13 has only the flags.
    """
    if hasattr(torch.backends, "fp32_precision"):
        mode = "tf32" if enabled else "ieee"
        torch.backends.cuda.matmul.fp32_precision = mode
        torch.backends.cudnn.conv.fp32_precision = mode
        return torch.backends.cuda.matmul.fp32_precision == "tf32", torch.backends.cudnn.conv.fp32_precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled
    return torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    cfg = resolve(args)
    torch.set_num_threads(args.threads)
    cfg["tf32_matmul"], cfg["tf32_cudnn"] = set_tf32(args.tf32)
    device = torch.device(args.device)
    os.makedirs(args.out, exist_ok=True)
    {"teacher": cmd_teacher, "distill": cmd_distill, "step": cmd_step, "eval": cmd_eval}[args.command](args, cfg, device)


if __name__ == "__main__":
    main()
