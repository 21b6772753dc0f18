namespace Rcnn.Training.Data;

/// <summary>
/// The images a run validates on while it trains, chosen so that no decision is ever taken on test data: a dataset's
/// own validation split when it has one, else a share of the training images held out (never trained on). Either way
/// at most <see cref="MaxImages"/> images, so that evaluating every few minutes stays cheap. Draws are seeded: the same
/// data and seed give the same images.
/// </summary>
public static class HoldOut
{
    /// <summary>The share of the training images held out when there is no validation split.</summary>
    public const double Fraction = 0.15;

    /// <summary>A held-out set is at least this many images...</summary>
    public const int MinImages = 10;

    /// <summary>...and a validation set at most this many (a seeded subset of a larger split).</summary>
    public const int MaxImages = 50;

    /// <summary>Below this many training images nothing is held out (too few to spare): the run has no validation.</summary>
    public const int MinTrainingImages = 40;

    /// <summary>How many of <paramref name="images"/> training images are held out: <see cref="Fraction"/> of them,
    /// between <see cref="MinImages"/> and <see cref="MaxImages"/>; 0 below <see cref="MinTrainingImages"/>.</summary>
    public static int Count(int images) =>
        images < MinTrainingImages ? 0 : Math.Clamp((int)Math.Round(Fraction * images), MinImages, MaxImages);

    /// <summary>Splits <paramref name="records"/> into the images trained on and the <see cref="Count"/> held out.</summary>
    public static (IReadOnlyList<DatasetRecord> Train, IReadOnlyList<DatasetRecord> Validation) Split(IReadOnlyList<DatasetRecord> records, int seed)
    {
        ArgumentNullException.ThrowIfNull(records);
        var shuffled = Shuffle(records, seed);
        int n = Count(records.Count);
        var held = shuffled.Take(n).Select(r => r.ImageId).ToHashSet();
        return (records.Where(r => !held.Contains(r.ImageId)).ToList(), records.Where(r => held.Contains(r.ImageId)).ToList());
    }

    /// <summary>A validation split cut to at most <see cref="MaxImages"/> images (seeded), in its own order.</summary>
    public static IReadOnlyList<DatasetRecord> Subset(IReadOnlyList<DatasetRecord> records, int seed)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count <= MaxImages) return records;
        var kept = Shuffle(records, seed).Take(MaxImages).Select(r => r.ImageId).ToHashSet();
        return records.Where(r => kept.Contains(r.ImageId)).ToList();
    }

    /// <summary>
    /// Registers <paramref name="train"/> and <paramref name="validation"/> in <paramref name="catalog"/>, derived from
    /// the registered <paramref name="source"/> (and, when given, its own validation split <paramref name="sourceValidation"/>):
    /// the training images less the held-out ones, and the held-out (or validation split's) images. Returns what it did,
    /// for the log; the validation dataset is empty when the data is too small to hold any out.
    /// </summary>
    public static string Register(DatasetCatalog catalog, string source, string? sourceValidation, string train, string validation, int seed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var all = catalog.Get(source);
        if (sourceValidation is not null)
        {
            var val = catalog.Get(sourceValidation);
            var subset = Subset(val.Records, seed);
            catalog.Register(train, _ => all);
            catalog.Register(validation, _ => Derived(val, validation, subset));
            return subset.Count == val.Records.Count
                ? $"validating on '{sourceValidation}' ({subset.Count} images)"
                : $"validating on {subset.Count} of the {val.Records.Count} images of '{sourceValidation}' (a seeded subset, so evaluation stays cheap)";
        }
        var (kept, held) = Split(all.Records, seed);
        catalog.Register(train, _ => Derived(all, train, kept));
        catalog.Register(validation, _ => Derived(all, validation, held));
        return held.Count == 0
            ? $"no validation: {all.Records.Count} training images are too few to hold any out (fewer than {MinTrainingImages})"
            : $"validating on {held.Count} of the {all.Records.Count} training images, held out (seed {seed}) and not trained on";
    }

    private static LoadedDataset Derived(LoadedDataset from, string name, IReadOnlyList<DatasetRecord> records) =>
        new(records, from.Metadata with { Name = name }, new DatasetSummary
        {
            Name = name,
            Images = records.Count,
            Annotations = records.Sum(r => r.Annotations.Count),
        });

    private static List<DatasetRecord> Shuffle(IReadOnlyList<DatasetRecord> records, int seed)
    {
        var list = records.OrderBy(r => r.ImageId, StringComparer.Ordinal).ToList();
        var rng = new Random(seed);
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }
}
