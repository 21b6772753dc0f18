using Rcnn.Training.Data;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// What the auto-config looks at: class count, image sizes and object sizes. Object size is sqrt(w*h) divided by the
/// image's short side, so images of different sizes are comparable (multiply by a short side to get pixels there).
/// Crowd and VOC-difficult objects are left out.
/// </summary>
public sealed record DatasetStatistics(
    int ImageCount,
    int ClassCount,
    int ObjectCount,
    double MedianShortSide,
    double MedianLongSide,
    double RelativeSizeP5,
    double RelativeSizeP50,
    double RelativeSizeP95,
    double MeanObjectsPerImage,
    int MaxObjectsPerImage)
{
    public static DatasetStatistics From(IReadOnlyList<DatasetRecord> records, int classCount)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) throw new ArgumentException("No images to compute statistics on.", nameof(records));
        var relative = new List<double>();
        var perImage = new List<int>();
        foreach (var r in records)
        {
            double shortSide = Math.Min(r.Width, r.Height);
            var objects = r.Annotations.Where(a => !a.IsCrowd && !a.Difficult).ToList();
            perImage.Add(objects.Count);
            relative.AddRange(objects.Select(a => Math.Sqrt(Math.Max(a.BoxWidth, 0) * Math.Max(a.BoxHeight, 0)) / shortSide));
        }
        if (relative.Count == 0) throw new ArgumentException("The dataset has no (non-crowd, non-difficult) objects.", nameof(records));
        relative.Sort();
        return new DatasetStatistics(
            records.Count, classCount, relative.Count,
            Median(records.Select(r => (double)Math.Min(r.Width, r.Height))),
            Median(records.Select(r => (double)Math.Max(r.Width, r.Height))),
            Percentile(relative, 5), Percentile(relative, 50), Percentile(relative, 95),
            perImage.Average(), perImage.Max());
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default) on sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        double pos = p / 100 * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static double Median(IEnumerable<double> values) => Percentile(values.Order().ToList(), 50);
}
