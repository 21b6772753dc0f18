using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>
/// Non-maximum suppression with torchvision's CPU semantics: greedy by descending score (ties keep the lower index
/// first), a box is dropped when its IoU with a kept box is strictly greater than the threshold, areas without "+1",
/// and the IoU evaluated in float32 in the same operation order so that every decision agrees bit for bit.
/// Boxes and scores are read as float32 (detectron2's batched_nms casts to float too).
/// </summary>
public static class Nms
{
    /// <summary>Kept indices (int64, on the boxes' device; computed on the CPU), by decreasing score.</summary>
    public static Tensor Apply(Tensor boxes, Tensor scores, double iouThreshold)
    {
        int n = Validate(boxes, scores, iouThreshold);
        var (box, score) = ReadInputs(boxes, scores, n);
        var all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        return ToTensor(NmsKernel.Run(box, score, all, iouThreshold), boxes.device);
    }

    /// <summary>
    /// NMS applied independently to each group of boxes sharing an id in <paramref name="idxs"/> (a class or a level),
    /// as detectron2's batched_nms; the kept indices of all groups are returned by decreasing score (ties: lower index first).
    /// </summary>
    public static Tensor Batched(Tensor boxes, Tensor scores, Tensor idxs, double iouThreshold)
    {
        int n = Validate(boxes, scores, iouThreshold);
        if (idxs.dim() != 1 || idxs.shape[0] != n)
            throw new ArgumentException($"idxs must have shape [{n}] to match boxes, got {CpuTensorData.Shape(idxs)}.", nameof(idxs));
        if (idxs.is_floating_point() || idxs.is_complex())
            throw new ArgumentException($"idxs must be an integer tensor, got {idxs.dtype}.", nameof(idxs));
        var (box, score) = ReadInputs(boxes, scores, n);
        long[] ids;
        using (var i64 = idxs.detach().to(ScalarType.Int64, CPU).contiguous())
            ids = i64.data<long>().ToArray();

        // Group member lists keep ascending index order, as torch.where does.
        var groups = new Dictionary<long, List<int>>();
        for (int i = 0; i < n; i++)
        {
            if (!groups.TryGetValue(ids[i], out var list)) groups[ids[i]] = list = new List<int>();
            list.Add(i);
        }
        var members = groups.Values.Select(g => g.ToArray()).ToArray();
        var kept = new int[members.Length][];
        if (n >= 2048 && members.Length > 1)
            Parallel.For(0, members.Length, g => kept[g] = NmsKernel.Run(box, score, members[g], iouThreshold));
        else
            for (int g = 0; g < members.Length; g++) kept[g] = NmsKernel.Run(box, score, members[g], iouThreshold);

        var all = kept.SelectMany(k => k).ToArray();
        Array.Sort(all); // the final order is by score, ties by index: sort the union by index first, then stably by score
        return ToTensor(NmsKernel.OrderByScore(score, all), boxes.device);
    }

    private static int Validate(Tensor boxes, Tensor scores, double iouThreshold)
    {
        if (boxes.dim() != 2 || boxes.shape[1] != 4)
            throw new ArgumentException($"boxes must have shape (N, 4), got {CpuTensorData.Shape(boxes)}.", nameof(boxes));
        if (scores.dim() != 1 || scores.shape[0] != boxes.shape[0])
            throw new ArgumentException($"scores must have shape [{boxes.shape[0]}] to match boxes, got {CpuTensorData.Shape(scores)}.", nameof(scores));
        if (double.IsNaN(iouThreshold))
            throw new ArgumentException("iouThreshold is NaN.", nameof(iouThreshold));
        if (boxes.shape[0] > int.MaxValue / 4)
            throw new ArgumentException($"Too many boxes for NMS: {boxes.shape[0]}.", nameof(boxes));
        return (int)boxes.shape[0];
    }

    private static (float[] Boxes, float[] Scores) ReadInputs(Tensor boxes, Tensor scores, int n)
    {
        if (n == 0) return (Array.Empty<float>(), Array.Empty<float>());
        using var b = CpuTensorData.Float32(boxes);
        using var s = CpuTensorData.Float32(scores);
        return (b.data<float>().ToArray(), s.data<float>().ToArray());
    }

    private static Tensor ToTensor(int[] indices, Device device)
    {
        var longs = new long[indices.Length];
        for (int i = 0; i < longs.Length; i++) longs[i] = indices[i];
        var result = tensor(longs, ScalarType.Int64);
        return device.type == DeviceType.CPU ? result : result.to(device);
    }
}
