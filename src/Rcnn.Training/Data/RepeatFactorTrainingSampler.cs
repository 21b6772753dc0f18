using System.Globalization;

namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's RepeatFactorTrainingSampler (DATALOADER.SAMPLER_TRAIN "RepeatFactorTrainingSampler"): an endless stream
/// like <see cref="TrainingSampler"/>, but each epoch lists image i floor(r_i) times, plus once more with probability
/// frac(r_i) (stochastic rounding, so r_i holds on average), then shuffles the list. The same seed gives the same stream.
/// </summary>
public sealed class RepeatFactorTrainingSampler : IEnumerable<int>
{
    private readonly double[] factors;
    private readonly int seed;
    private readonly bool shuffle;

    public RepeatFactorTrainingSampler(IReadOnlyList<double> repeatFactors, int seed, bool shuffle = true)
    {
        ArgumentNullException.ThrowIfNull(repeatFactors);
        if (repeatFactors.Count == 0) throw new ArgumentException("The dataset is empty.", nameof(repeatFactors));
        for (int i = 0; i < repeatFactors.Count; i++)
            if (!double.IsFinite(repeatFactors[i]) || repeatFactors[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(repeatFactors), repeatFactors[i], $"Repeat factor {i} must be finite and >= 0.");
        if (repeatFactors.All(r => r == 0)) throw new ArgumentException("Every repeat factor is 0, so no image would be sampled.", nameof(repeatFactors));
        this.factors = repeatFactors.ToArray();
        this.seed = seed;
        this.shuffle = shuffle;
    }

    public IReadOnlyList<double> RepeatFactors => this.factors;

    /// <summary>
    /// LVIS's image repeat factors: with f(c) the fraction of images that have an annotation of category c (crowd ones
    /// count, as in detectron2), r(c) = max(1, sqrt(t / f(c))) (t / f(c) without <paramref name="sqrt"/>), and an image
    /// repeats by the largest r(c) of its categories (1 with none). Each category's f and r go to <paramref name="log"/>.
    /// </summary>
    public static double[] RepeatFactorsFromCategoryFrequency(IReadOnlyList<DatasetRecord> records, double repeatThreshold,
        bool sqrt = true, IDatasetLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!(repeatThreshold >= 0)) throw new ArgumentOutOfRangeException(nameof(repeatThreshold), repeatThreshold, "The threshold must be >= 0.");
        var imagesWith = new SortedDictionary<int, int>();
        foreach (var r in records)
            foreach (int c in r.Annotations.Select(a => a.CategoryId).Distinct())
                imagesWith[c] = imagesWith.GetValueOrDefault(c) + 1;
        var categoryRepeat = new Dictionary<int, double>();
        foreach (var (c, n) in imagesWith)
        {
            double f = (double)n / records.Count, ratio = repeatThreshold / f;
            categoryRepeat[c] = Math.Max(1.0, sqrt ? Math.Sqrt(ratio) : ratio);
            log?.Info(string.Create(CultureInfo.InvariantCulture, $"Category {c}: in {f:F2} of the images, repeat factor {categoryRepeat[c]:F2}."));
        }
        return records.Select(r => r.Annotations.Select(a => categoryRepeat[a.CategoryId]).DefaultIfEmpty(1.0).Max()).ToArray();
    }

    public IEnumerator<int> GetEnumerator()
    {
        var rng = new Random(this.seed);
        var epoch = new List<int>();
        while (true)
        {
            epoch.Clear();
            for (int i = 0; i < this.factors.Length; i++)
            {
                double whole = Math.Floor(this.factors[i]);
                int times = (int)whole + (rng.NextDouble() < this.factors[i] - whole ? 1 : 0);
                for (int k = 0; k < times; k++) epoch.Add(i);
            }
            if (this.shuffle) rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(epoch));
            foreach (int i in epoch) yield return i;
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
