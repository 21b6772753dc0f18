namespace Rcnn.Training.Layers;

/// <summary>
/// ROIs split over feature levels (one geometry per level), all pooled into one (K, C, ph, pw) output in ROI order.
/// The constructor checks the ROIs and computes every ROI's sampling plan; <c>level[k]</c> names ROI k's level (null: all on level 0).
/// </summary>
internal sealed class RoiAlignLevels
{
    public RoiAlignLevels(long[][] inputShapes, RoiAlignGeometry[] geometries, float[] rois, long[]? level)
    {
        InputShapes = inputShapes;
        Geometries = geometries;
        RoiCount = rois.Length / 5;
        for (int l = 1; l < inputShapes.Length; l++)
            if (inputShapes[l][0] != inputShapes[0][0] || inputShapes[l][1] != inputShapes[0][1])
                throw new ArgumentException($"All levels need the same batch size and channels: level {l} is " +
                    $"[{string.Join(", ", inputShapes[l])}], level 0 [{string.Join(", ", inputShapes[0])}].", "inputs");
        // A level outside [0, levels) leaves the ROI's output zero, as detectron2's pooler does for boxes whose level
        // formula gives NaN (negative area): no level matches them, so index_put_ never writes their rows.
        if (level != null)
            for (int k = 0; k < RoiCount; k++)
                if (level[k] < 0 || level[k] >= inputShapes.Length)
                    HasUnassigned = true;
        Plans = new RoiAlignPlan[inputShapes.Length][];
        Rows = new int[inputShapes.Length][];
        for (int l = 0; l < inputShapes.Length; l++)
        {
            var rows = Enumerable.Range(0, RoiCount).Where(k => (level?[k] ?? 0) == l).ToArray();
            Rows[l] = rows;
            Plans[l] = MakePlans(rois, rows, inputShapes[l][0], geometries[l]);
        }
    }

    /// <summary>(N, C, H_l, W_l) per level; shapes only, so nothing here keeps the inputs alive for backward.</summary>
    public long[][] InputShapes { get; }
    public RoiAlignGeometry[] Geometries { get; }
    public int RoiCount { get; }
    /// <summary>Some ROI belongs to no level (its output stays zero).</summary>
    public bool HasUnassigned { get; }
    public RoiAlignPlan[][] Plans { get; }
    /// <summary>Per level, the output rows (ROI indices) its plans write.</summary>
    public int[][] Rows { get; }

    private static RoiAlignPlan[] MakePlans(float[] rois, int[] rows, long batch, RoiAlignGeometry g)
    {
        var plans = new RoiAlignPlan[rows.Length];
        foreach (int k in rows)
        {
            float b = rois[k * 5];
            if (!(b >= 0) || (long)b >= batch)
                throw new ArgumentException($"rois[{k}] has batch index {b}, outside [0, {batch}).", nameof(rois));
        }
        if (rows.Length >= 64)
            Parallel.For(0, rows.Length, i => plans[i] = RoiAlignPlan.Create(rois.AsSpan(rows[i] * 5, 5), g));
        else
            for (int i = 0; i < rows.Length; i++) plans[i] = RoiAlignPlan.Create(rois.AsSpan(rows[i] * 5, 5), g);
        return plans;
    }
}
