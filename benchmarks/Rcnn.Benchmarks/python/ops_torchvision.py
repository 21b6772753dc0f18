"""torchvision side of `Rcnn.Benchmarks ops`: reads the inputs the C# side wrote (raw float32 / int64 files plus
meta.json in the directory given), times torchvision on them and writes results.json and the outputs back.
Run with /usr/bin/python3 (torch 1.13 + torchvision 0.14)."""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torchvision
from torchvision.ops import batched_nms, nms, roi_align


def load(d, name, dtype, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype=dtype).reshape(shape))


def timed(fn, warmup, reps):
    """Median wall time and median process CPU time (all threads), in ms."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    n = meta["nms_boxes"]
    boxes = load(d, "nms_boxes.f32", np.float32, (n, 4))
    scores = load(d, "nms_scores.f32", np.float32, (n,))
    ids = load(d, "nms_ids.i64", np.int64, (n,))
    res = {"torch": torch.__version__, "torchvision": torchvision.__version__, "threads": torch.get_num_threads()}

    keep = nms(boxes, scores, meta["nms_iou"])
    res["nms_ms"], res["nms_cpu_ms"] = timed(lambda: nms(boxes, scores, meta["nms_iou"]), 2, meta["reps_nms"])
    res["nms_keep"] = keep.tolist()
    bkeep = batched_nms(boxes, scores, ids, meta["batched_iou"])
    res["batched_ms"], res["batched_cpu_ms"] = timed(lambda: batched_nms(boxes, scores, ids, meta["batched_iou"]), 2, meta["reps_nms"])
    res["batched_keep"] = bkeep.tolist()

    feats = [load(d, f"p{i + 2}.f32", np.float32, shape) for i, shape in enumerate(meta["feature_shapes"])]
    k = meta["rois"]
    rois = load(d, "rois.f32", np.float32, (k, 5))
    weights = load(d, "weights.f32", np.float32, (k, feats[0].shape[1], meta["output_size"], meta["output_size"]))
    scales = meta["scales"]
    out_size = meta["output_size"]
    min_level, max_level = round(-math.log2(scales[0])), round(-math.log2(scales[-1]))

    def pool(xs):
        # detectron2's ROIPooler: level from the box size, roi_align per level, results put back in box order
        areas = (rois[:, 3] - rois[:, 1]) * (rois[:, 4] - rois[:, 2])
        lv = torch.floor(4 + torch.log2(torch.sqrt(areas) / 224 + 1e-8))
        lv = torch.clamp(lv, min=min_level, max=max_level).to(torch.int64) - min_level
        out = torch.zeros(k, xs[0].shape[1], out_size, out_size)
        for level, (x, s) in enumerate(zip(xs, scales)):
            inds = torch.nonzero(lv == level).view(-1)
            out.index_put_((inds,), roi_align(x, rois[inds], (out_size, out_size), s, 0, True))
        return out

    with torch.no_grad():
        out = pool(feats)
        res["roi_forward_ms"], res["roi_forward_cpu_ms"] = timed(lambda: pool(feats), 1, meta["reps_roi"])
    out.numpy().tofile(os.path.join(d, "tv_roi_out.f32"))

    leaves = [f.clone().requires_grad_(True) for f in feats]

    def forward_backward():
        for f in leaves:
            f.grad = None
        (pool(leaves) * weights).sum().backward()

    res["roi_fwd_bwd_ms"], res["roi_fwd_bwd_cpu_ms"] = timed(forward_backward, 1, meta["reps_roi"])
    for i, f in enumerate(leaves):
        f.grad.numpy().tofile(os.path.join(d, f"tv_grad_p{i + 2}.f32"))
    json.dump(res, open(os.path.join(d, "results.json"), "w"))


if __name__ == "__main__":
    main(sys.argv[1])
