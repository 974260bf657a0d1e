"""Chinese (simplified) labels for the lessons' figures, used by ``--lang zh``.

Data only: :mod:`minigrad.plot_language` applies it to every text of a figure when it is
saved. ``EXACT`` replaces a whole label; ``PATTERNS`` (regular expressions, tried first)
and ``PHRASES`` (longest first, whole words only) translate the pieces of the labels
that carry numbers, e.g. ``"training loss, mean of 3 seeds"`` → ``"训练损失, 3 个种子的平均"``.
Names that Chinese lecture slides keep in English stay as they are: ReLU, tanh, BN,
SGD, Kaiming, Xavier, AlexNet, conv1, fc1, top-1, the names of autograd Functions.
"""
from __future__ import annotations

EXACT = {
    "finite-difference error of f(x) = tanh(x)·eˣ (★ optimum)":
        "f(x) = tanh(x)·eˣ 的有限差分误差（★ 最优）",
    "median |finite difference − f'(x)|": "|有限差分 − f'(x)| 的中位数",
    "time of one gradcheck against input size": "一次 gradcheck 的用时与输入大小",
    "std of y_l across the examples of a batch, at initialisation":
        "初始化时 y_l 在一个批次的样本间的标准差",
    "std of y_l over all values, at initialisation": "初始化时 y_l 所有取值的标准差",
    "√ mean per-unit variance": "√ 各单元方差的平均",
    "25% (AlexNet's Fig. 1 line)": "25%（AlexNet 论文图 1 的基准线）",
    "Top-5 correct, top-1 wrong: the five guesses (true class in red)":
        "top-5 正确、top-1 错误：五个猜测（红色为真实类别）",
    "similarity, rescaled: 1 same, 0 other image": "相似度（缩放后：1 = 同一图像，0 = 其他图像）",
    "white: zero; top half dx units, bottom half dy units":
        "白色：零；上半部分为 dx 单元，下半部分为 dy 单元",
    "|∂ centre output / ∂ input|": "|∂ 中心输出 / ∂ 输入|",
}

PATTERNS = [
    (r"mean of the last (\d+) batches", r"最后 \1 个批次的平均"),
    (r"mean of (\d+) batches", r"\1 个批次的平均"),
    (r"mean of (\d+) seeds?", r"\1 个种子的平均"),
    (r"(\d+) training images", r"\1 张训练图像"),
    (r"(\d+) channels of (\S+)", r"\1 个 \2 的通道"),
    (r"(\d+) layers", r"\1 层"),
    (r"(\d+) seeds", r"\1 个种子"),
    (r"(\d+) epochs", r"\1 个轮次"),
    (r"box: the (\S+)-pixel receptive field where it fired most",
     r"框：激活最强处的 \1 像素感受野"),
    (r"The conv as a fully connected matrix \((\S+) image\)", r"卷积写成全连接矩阵（\1 图像）"),
    (r"layer / block l", "层 / 块 l"),
    (r"layer l", "第 l 层"),
    (r"true: ", "真实类别："),
]

PHRASES = {
    # training curves
    "training loss": "训练损失", "test loss": "测试损失", "training error rate": "训练错误率",
    "training error": "训练错误率", "training vs test loss": "训练与测试损失",
    "train loss": "训练损失", "train top-1": "训练 top-1", "test top-1": "测试 top-1",
    "test accuracy": "测试准确率", "accuracy": "准确率", "cross-entropy": "交叉熵",
    "per batch": "每批", "iteration": "迭代次数", "epoch on the target task": "目标任务上的轮次",
    "epoch": "轮次", "seed": "种子", "solid": "实线", "dashed": "虚线", "loss": "损失",
    "mean": "平均", "spread": "离散度", "SGD step": "SGD 步数", "lr": "学习率",
    "learning rate": "学习率", "same SGD learning rate": "相同的 SGD 学习率",
    "seconds": "秒", "time": "时间",
    # initialisation and normalisation
    "with BN": "有 BN", "no BN": "无 BN", "Kaiming init": "Kaiming 初始化",
    "default init": "默认初始化", "at init": "初始化时", "bias": "偏置", "lecture": "课件",
    "training loss of the deep ReLU net": "深层 ReLU 网络的训练损失",
    "gradient flow while training": "训练中的梯度流", "layer output": "层输出",
    "gradient at each layer's output": "各层输出处的梯度", "gradient norm": "梯度范数",
    "gradient along the identity path vs in the branches": "恒等路径上与分支内的梯度",
    "identity path": "恒等路径", "in the branch": "分支内", "input side": "输入端",
    "on a chain of multiplications": "乘法链上", "chain length": "链长",
    "plain networks": "普通网络", "residual networks": "残差网络", "plain": "普通",
    "residual": "残差", "batchnorm": "BN",
    # gradient checking
    "central": "中心差分", "forward": "前向差分", "directional": "方向导数",
    "element-wise": "逐元素", "input elements": "输入元素数",
    # layers and architectures
    "first-layer filters": "第一层滤波器", "filters": "滤波器", "initial": "初始",
    "trained": "训练后", "best template": "最佳模板", "edge score": "边缘得分",
    "edge": "边缘", "bar": "条纹", "weight": "权重", "shared scale": "共享色标",
    "conv": "卷积", "convs": "卷积", "channels": "通道", "groups": "分组数",
    "forward time": "前向时间", "scaled to": "归一化到", "parameters": "参数量",
    "global max pool": "全局最大池化", "max pools": "最大池化", "max pool": "最大池化",
    "no pooling": "无池化", "one": "一个", "two": "两个", "three": "三个",
    "Shift invariance of max pooling": "最大池化的平移不变性",
    "untrained conv layers": "未训练的卷积层", "pixels to the right": "向右的像素数",
    "shift": "平移", "images": "图像", "image": "图像", "input": "输入", "unit": "单元",
    "each unit's top images": "每个单元激活最强的图像", "hidden unit": "隐藏单元",
    "input pixel": "输入像素", "cell orientation histograms": "单元格方向直方图",
    "visual words": "视觉词",
    # regularisation and transfer
    "augmented": "增强后", "original": "原图", "none": "无", "flip": "翻转", "crop": "裁剪",
    "brightness/contrast jitter": "亮度/对比度抖动", "jitter": "抖动",
    "New task": "新任务", "fine-tuning": "微调", "same head as the probe": "与线性探针相同的分类头",
    "pretrained FC kept": "保留预训练的 FC", "from scratch": "从零训练",
    "linear probe": "线性探针", "frozen conv features": "冻结的卷积特征",
    # computational graphs
    "the graph of its loss": "其损失的计算图", "backward, from the loss to the leaves":
        "反向传播：从损失到叶节点", "constant": "常量", "result": "结果", "scalar": "标量",
    # Fashion-MNIST classes
    "T-shirt/top": "T恤/上衣", "Trouser": "裤子", "Pullover": "套头衫", "Dress": "连衣裙",
    "Coat": "外套", "Sandal": "凉鞋", "Shirt": "衬衫", "Sneaker": "运动鞋", "Bag": "包",
    "Ankle boot": "短靴",
}
