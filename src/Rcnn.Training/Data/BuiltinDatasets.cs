namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's <c>builtin.py</c> idea: datasets that ship with (or are expected beside) the repository, registered by
/// name so configs can say <c>DATASETS.TRAIN: ("bccd_train",)</c>: BCCD's bccd_train/val/trainval/test and the
/// playing-card photos' cards_train/test (datasets/README.md). The root is <c>$RCNN_DATASETS</c> when set, else the
/// <c>datasets/</c> folder next to the nearest <c>Rcnn.MLNet.sln</c> above the executable.
/// </summary>
public static class BuiltinDatasets
{
    public const string EnvironmentVariable = "RCNN_DATASETS";

    /// <summary>BCCD's classes in contiguous-id order (0 = RBC, 1 = WBC, 2 = Platelets). Fixed rather than discovered,
    /// so every split (and every checkpoint trained on one) agrees on what class index k means.</summary>
    public static IReadOnlyList<string> BccdClasses { get; } = ["RBC", "WBC", "Platelets"];

    /// <summary>Builtin name to VOC split; all live under <c>&lt;root&gt;/bccd/BCCD</c>.</summary>
    public static IReadOnlyDictionary<string, string> BccdSplits { get; } = new Dictionary<string, string>
    {
        ["bccd_train"] = "train",
        ["bccd_val"] = "val",
        ["bccd_trainval"] = "trainval",
        ["bccd_test"] = "test",
    };

    /// <summary>The playing-card photos' classes (card ranks of a Pinochle deck) in contiguous-id order.</summary>
    public static IReadOnlyList<string> CardsClasses { get; } = ["nine", "ten", "jack", "queen", "king", "ace"];

    /// <summary>Builtin name to VOC split; all live under <c>&lt;root&gt;/cards/Cards</c> (the author's split: no val).</summary>
    public static IReadOnlyDictionary<string, string> CardsSplits { get; } = new Dictionary<string, string>
    {
        ["cards_train"] = "train",
        ["cards_test"] = "test",
    };

    /// <summary>The datasets folder: <paramref name="explicitRoot"/>, else $RCNN_DATASETS, else found by walking up.
    /// Null when none can be found (registration still works; loading then fails naming the path).</summary>
    public static string? FindRoot(string? explicitRoot = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitRoot)) return Path.GetFullPath(explicitRoot);
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rcnn.MLNet.sln"))) return Path.Combine(dir.FullName, "datasets");
        return null;
    }

    /// <summary>Registers every builtin dataset in <paramref name="catalog"/> (lazily: nothing is read until used).</summary>
    public static void RegisterAll(DatasetCatalog catalog, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var datasets = FindRoot(root);
        var all = BccdSplits.Select(s => (s.Key, s.Value, Folder: Path.Combine("bccd", "BCCD"), Classes: BccdClasses))
            .Concat(CardsSplits.Select(s => (s.Key, s.Value, Folder: Path.Combine("cards", "Cards"), Classes: CardsClasses)));
        foreach (var (name, split, folder, classes) in all)
        {
            if (datasets is null)
            {
                catalog.Register(name, _ => throw new DirectoryNotFoundException(
                    $"Dataset '{name}' needs the datasets folder: set {EnvironmentVariable} or run from inside the repository."));
                continue;
            }
            catalog.RegisterPascalVoc(name, Path.Combine(datasets, folder), split, classes);
        }
    }
}
