using Rcnn.MLNet.AutoConfig;
using Rcnn.Training.Config;
using Rcnn.Training.Data;

namespace Rcnn.Tests.Shared;

/// <summary>Small Pascal VOC roots cut from the bundled BCCD data, in temporary folders, and the tiny-run config
/// experiments in tests start from; shared by the CLI and ML.NET test projects (linked into both).</summary>
internal static class MiniData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BccdRoot => Path.Combine(RepoRoot, "datasets", "bccd", "BCCD");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rcnn.MLNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Rcnn.MLNet.sln not found above the test output folder.");
    }

    /// <summary>A new folder in this test run's scratch root (checkpoints are ~200 MB each; <see cref="TestScratch"/>
    /// deletes the root when the run ends).</summary>
    public static string TempDir(string name)
    {
        string dir = Path.Combine(TestScratch.Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A <see cref="MiniVoc"/> of 4 train and 2 val images registered as "train" and "val" (BCCD's classes),
    /// and the tiny-run config (the from-scratch preset with <see cref="TinyOverrides"/>) experiments in tests start from.</summary>
    public static (DatasetCatalog Catalog, RcnnConfig Config) MiniExperiment(string name)
    {
        string voc = MiniVoc(name, 4, 2);
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        catalog.RegisterPascalVoc("train", voc, "train", ["Platelets", "RBC", "WBC"]);
        catalog.RegisterPascalVoc("val", voc, "val", ["Platelets", "RBC", "WBC"]);
        var cfg = ConfigPresets.Load(AutoConfigPicker.ScratchPreset);
        cfg.MergeFromList(TinyOverrides);
        return (catalog, cfg);
    }

    /// <summary>A VOC root with the first images of BCCD's train list as split "train" (and "trainval") and the
    /// first of its test list as "val" and "test".</summary>
    public static string MiniVoc(string name, int trainImages, int testImages)
    {
        string root = Path.Combine(TempDir(name), "VOC");
        foreach (var d in new[] { "Annotations", "JPEGImages", Path.Combine("ImageSets", "Main") })
            Directory.CreateDirectory(Path.Combine(root, d));
        string[] Ids(string split, int n) => File.ReadAllLines(Path.Combine(BccdRoot, "ImageSets", "Main", split + ".txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0).Take(n).ToArray();
        var train = Ids("train", trainImages);
        var test = Ids("test", testImages);
        foreach (var id in train.Concat(test))
        {
            File.Copy(Path.Combine(BccdRoot, "Annotations", id + ".xml"), Path.Combine(root, "Annotations", id + ".xml"));
            File.Copy(Path.Combine(BccdRoot, "JPEGImages", id + ".jpg"), Path.Combine(root, "JPEGImages", id + ".jpg"));
        }
        void List(string split, string[] ids) => File.WriteAllLines(Path.Combine(root, "ImageSets", "Main", split + ".txt"), ids);
        List("train", train);
        List("trainval", train);
        List("val", test);
        List("test", test);
        return root;
    }

    public static string[] Split(string vocRoot, string split) =>
        File.ReadAllLines(Path.Combine(vocRoot, "ImageSets", "Main", split + ".txt")).Where(l => l.Trim().Length > 0).ToArray();

    /// <summary>Config overrides that make a training run tiny: 128-px images, few proposals.</summary>
    public static readonly string[] TinyOverrides =
    [
        "INPUT.MIN_SIZE_TRAIN", "(128,)", "INPUT.MAX_SIZE_TRAIN", "213", "INPUT.MIN_SIZE_TEST", "128", "INPUT.MAX_SIZE_TEST", "213",
        "MODEL.RPN.POST_NMS_TOPK_TRAIN", "200", "MODEL.RPN.POST_NMS_TOPK_TEST", "100", "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "64",
        "DATALOADER.NUM_WORKERS", "0",
    ];
}
