namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's DatasetCatalog + MetadataCatalog: datasets registered by name (what DATASETS.TRAIN/TEST hold), loaded once
/// on first use. Thread-safe.
/// </summary>
public sealed class DatasetCatalog
{
    private readonly Dictionary<string, Lazy<LoadedDataset>> datasets = new(StringComparer.Ordinal);
    private readonly IDatasetLog log;

    public DatasetCatalog(IDatasetLog? log = null) => this.log = log ?? DatasetLog.Console;

    public IReadOnlyList<string> Names { get { lock (this.datasets) return this.datasets.Keys.ToArray(); } }

    /// <summary>Registers a custom loader; it gets this catalog's log.</summary>
    public void Register(string name, Func<IDatasetLog, LoadedDataset> loader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(loader);
        lock (this.datasets)
        {
            if (this.datasets.ContainsKey(name))
                throw new ArgumentException($"Dataset '{name}' is already registered.", nameof(name));
            this.datasets[name] = new Lazy<LoadedDataset>(() => loader(this.log), LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    public void RegisterCocoJson(string name, string jsonFile, string imageRoot) =>
        Register(name, log => CocoJsonLoader.Load(name, jsonFile, imageRoot, log));

    /// <summary>Without <paramref name="classNames"/>, the classes are those found in the split, sorted (and logged).</summary>
    public void RegisterPascalVoc(string name, string root, string split, IReadOnlyList<string>? classNames = null) =>
        Register(name, log => PascalVocLoader.Load(name, root, split, classNames, log));

    public LoadedDataset Get(string name)
    {
        Lazy<LoadedDataset>? entry;
        lock (this.datasets) this.datasets.TryGetValue(name, out entry);
        if (entry is null)
            throw new KeyNotFoundException($"Dataset '{name}' is not registered; registered: [{string.Join(", ", Names)}].");
        return entry.Value;
    }

    public IReadOnlyList<DatasetRecord> GetRecords(string name) => Get(name).Records;

    public DatasetMetadata GetMetadata(string name) => Get(name).Metadata;

    /// <summary>
    /// The records of several datasets (e.g. DATASETS.TRAIN) concatenated; as in detectron2 they must share thing_classes,
    /// since the contiguous ids would otherwise mean different things.
    /// </summary>
    public IReadOnlyList<DatasetRecord> GetRecords(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0) throw new ArgumentException("No dataset names given.", nameof(names));
        var first = Get(names[0]);
        var all = new List<DatasetRecord>(first.Records);
        foreach (var n in names.Skip(1))
        {
            var d = Get(n);
            if (!d.Metadata.ThingClasses.SequenceEqual(first.Metadata.ThingClasses))
                throw new ArgumentException(
                    $"Datasets '{names[0]}' and '{n}' have different thing_classes: [{string.Join(", ", first.Metadata.ThingClasses)}] vs [{string.Join(", ", d.Metadata.ThingClasses)}].",
                    nameof(names));
            all.AddRange(d.Records);
        }
        return all;
    }

    /// <summary>detectron2's filter_images_with_only_crowd_annotations (DATALOADER.FILTER_EMPTY_ANNOTATIONS), logged.</summary>
    public static IReadOnlyList<DatasetRecord> FilterEmpty(IReadOnlyList<DatasetRecord> records, IDatasetLog log)
    {
        var kept = records.Where(r => r.HasNonCrowdAnnotations).ToArray();
        log.Info($"Removed {records.Count - kept.Length} images with no usable annotations. {kept.Length} images left.");
        return kept;
    }
}
