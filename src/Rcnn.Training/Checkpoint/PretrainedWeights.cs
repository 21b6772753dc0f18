using System.Globalization;

namespace Rcnn.Training.Checkpoint;

/// <summary>
/// Weights a config names instead of a path (detectron2's <c>detectron2://</c> URLs): what the file is, where a NuGet
/// package puts it, and the input convention it was trained with, which the config must use too.
/// </summary>
/// <param name="Name">The MODEL.WEIGHTS value, e.g. <c>mlnet://ResNet18</c>.</param>
/// <param name="PackageId">The NuGet package that carries the file.</param>
/// <param name="PackageVersion">Its version (the folder name under the NuGet packages root).</param>
/// <param name="PackagePath">The file inside the package.</param>
/// <param name="OutputPath">Where the package's (or this library's) build copies it, relative to the application.</param>
/// <param name="Format">INPUT.FORMAT it expects ("BGR" or "RGB").</param>
/// <param name="PixelMean">MODEL.PIXEL_MEAN it expects.</param>
/// <param name="PixelStd">MODEL.PIXEL_STD it expects.</param>
/// <param name="Architecture">The trunk it holds, as MODEL.RESNETS values.</param>
public sealed record PretrainedWeightsEntry(string Name, string Description, string PackageId, string PackageVersion, string PackagePath,
    string OutputPath, string Format, IReadOnlyList<double> PixelMean, IReadOnlyList<double> PixelStd, ResNetArchitecture Architecture)
{
    /// <summary>KEY VALUE pairs that make a config fit these weights: the trunk (FrozenBN statistics), the input
    /// convention, and MODEL.WEIGHTS itself.</summary>
    public IReadOnlyList<string> ConfigOverrides()
    {
        var inv = CultureInfo.InvariantCulture;
        static string List(IEnumerable<double> v) => "[" + string.Join(", ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]";
        return
        [
            "MODEL.WEIGHTS", Name,
            .. Architecture.ConfigOverrides(),
            "MODEL.RESNETS.NORM", "FrozenBN",
            "INPUT.FORMAT", Format,
            "MODEL.PIXEL_MEAN", List(PixelMean),
            "MODEL.PIXEL_STD", List(PixelStd),
        ];
    }
}

/// <summary>
/// The named weights MODEL.WEIGHTS accepts besides file paths, and how a name becomes a file.
/// <list type="bullet">
/// <item><c>mlnet://ResNet18</c>: the ImageNet ResNet-18 of ML.NET's <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>
/// package (the name ML.NET's own <c>DnnFeaturizeImage</c> API gives it). Rcnn.Training's build downloads the package
/// at restore and copies the file next to the application; it is also found in the NuGet packages folder.</item>
/// <item><c>detectron2://PATH</c>: detectron2's model zoo. Nothing is downloaded at run time: the file is looked up where
/// detectron2 caches its downloads (<c>$FVCORE_CACHE/detectron2/PATH</c>, <c>~/.torch/iopath_cache/detectron2/PATH</c>).</item>
/// </list>
/// </summary>
public static class PretrainedWeights
{
    public const string MlNetScheme = "mlnet://";
    public const string Detectron2Scheme = "detectron2://";

    /// <summary>ML.NET's ImageNet ResNet-18 (CNTK 2.6, opset 8): basic blocks [2, 2, 2, 3], inputs BGR 0-255 less the
    /// mean image of its <c>ResNetPreprocess.onnx</c>, whose per-channel means these are, not divided.</summary>
    public static PretrainedWeightsEntry ResNet18 { get; } = new(
        MlNetScheme + "ResNet18",
        "ImageNet ResNet-18 from ML.NET's DnnImageFeaturizer (CNTK), basic blocks [2, 2, 2, 3]",
        "Microsoft.ML.DnnImageFeaturizer.ResNet18", "0.24.0", "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx",
        "DnnImageModels/ResNet18Onnx/ResNet18.onnx", "BGR", [103.063, 115.903, 123.152], [1.0, 1.0, 1.0],
        new ResNetArchitecture(Bottleneck: false, BlocksPerStage: [2, 2, 2, 3], InChannels: 3, StemOutChannels: 64, Res2OutChannels: 64,
            NumGroups: 1, WidthPerGroup: 64, StrideIn1x1: true, Res5Dilation: 1));

    public static IReadOnlyList<PretrainedWeightsEntry> All { get; } = [ResNet18];

    /// <summary>The entry <paramref name="weights"/> names (case-insensitive), or null for a path or a
    /// <c>detectron2://</c> URL. An unknown <c>mlnet://</c> name is an error that lists the known ones.</summary>
    public static PretrainedWeightsEntry? Find(string weights)
    {
        if (!weights.StartsWith(MlNetScheme, StringComparison.OrdinalIgnoreCase)) return null;
        return All.FirstOrDefault(e => string.Equals(e.Name, weights, StringComparison.OrdinalIgnoreCase))
            ?? throw new FileNotFoundException($"MODEL.WEIGHTS '{weights}' is not a known name; the named weights are: {string.Join(", ", All.Select(e => e.Name))}.");
    }

    /// <summary>The file MODEL.WEIGHTS <paramref name="weights"/> stands for: a path as it is, a name resolved to the
    /// installed file. A file that is not there is a <see cref="FileNotFoundException"/> that says where it was looked
    /// for and how to get it.</summary>
    public static string Resolve(string weights) =>
        Resolve(weights, [AppContext.BaseDirectory], NuGetPackageRoots(), Detectron2Caches());

    internal static string Resolve(string weights, IReadOnlyList<string> applicationDirs, IReadOnlyList<string> packageRoots,
        IReadOnlyList<string> detectron2Caches)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weights);
        if (Find(weights) is { } entry)
        {
            var candidates = applicationDirs.Select(d => Path.Combine(d, entry.OutputPath))
                .Concat(packageRoots.Select(r => Path.Combine(r, entry.PackageId.ToLowerInvariant(), entry.PackageVersion, entry.PackagePath)))
                .ToList();
            return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
                $"MODEL.WEIGHTS {entry.Name} ({entry.Description}) comes from the NuGet package {entry.PackageId} {entry.PackageVersion}, " +
                $"which is not restored here; looked for {Path.GetFileName(entry.PackagePath)} in: {string.Join("; ", candidates)}. " +
                $"Build Rcnn.Training (its restore downloads the package and copies the file next to your application), or add " +
                $"<PackageReference Include=\"{entry.PackageId}\" Version=\"{entry.PackageVersion}\" /> to your project, or set MODEL.WEIGHTS to the file's path; " +
                "MODEL.WEIGHTS \"\" trains from scratch.", Path.GetFileName(entry.PackagePath));
        }
        if (weights.StartsWith(Detectron2Scheme, StringComparison.OrdinalIgnoreCase))
        {
            string relative = weights[Detectron2Scheme.Length..];
            var candidates = detectron2Caches.Select(c => Path.Combine(c, "detectron2", relative)).ToList();
            string? found = candidates.FirstOrDefault(File.Exists);
            if (found is null)
                throw new FileNotFoundException(
                    $"MODEL.WEIGHTS {weights} is detectron2's model zoo file https://dl.fbaipublicfiles.com/detectron2/{relative}, " +
                    $"which this port does not download; it is not in detectron2's download cache ({string.Join("; ", candidates)}). " +
                    $"Use MODEL.WEIGHTS {ResNet18.Name} with the pretrained R-18 configs (models/CPU), an ONNX ResNet export " +
                    "(e.g. torchvision's with torch.onnx.export; MODEL.RESNETS.STRIDE_IN_1X1 False), a .safetensors or .ckpt file, " +
                    "or \"\" to train from scratch.", relative);
            return found;
        }
        if (!File.Exists(weights)) throw new FileNotFoundException($"MODEL.WEIGHTS file not found: {weights}", weights);
        return weights;
    }

    /// <summary>Every INPUT.FORMAT / MODEL.PIXEL_MEAN / MODEL.PIXEL_STD value of <paramref name="cfg"/> that differs from
    /// what <paramref name="entry"/> was trained with (means within 1.0 count as equal), with the value it needs.</summary>
    public static IReadOnlyList<string> InputMismatches(PretrainedWeightsEntry entry, Config.RcnnConfig cfg)
    {
        static string List(IEnumerable<double> v) => "[" + string.Join(", ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]";
        var found = new List<string>();
        if (!string.Equals(cfg.Input.Format, entry.Format, StringComparison.OrdinalIgnoreCase))
            found.Add($"INPUT.FORMAT is \"{cfg.Input.Format}\" but {entry.Name} takes \"{entry.Format}\"");
        if (cfg.Model.PixelMean.Count != entry.PixelMean.Count || cfg.Model.PixelMean.Zip(entry.PixelMean).Any(p => Math.Abs(p.First - p.Second) > 1.0))
            found.Add($"MODEL.PIXEL_MEAN is {List(cfg.Model.PixelMean)} but {entry.Name} takes {List(entry.PixelMean)}");
        if (cfg.Model.PixelStd.Count != entry.PixelStd.Count || cfg.Model.PixelStd.Zip(entry.PixelStd).Any(p => Math.Abs(p.First / p.Second - 1) > 0.01))
            found.Add($"MODEL.PIXEL_STD is {List(cfg.Model.PixelStd)} but {entry.Name} takes {List(entry.PixelStd)}");
        return found;
    }

    /// <summary>$NUGET_PACKAGES, else ~/.nuget/packages.</summary>
    public static IReadOnlyList<string> NuGetPackageRoots()
    {
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env) roots.Add(env);
        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        return roots;
    }

    /// <summary>$FVCORE_CACHE, else ~/.torch/iopath_cache (where detectron2's downloads land).</summary>
    public static IReadOnlyList<string> Detectron2Caches()
    {
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("FVCORE_CACHE") is { Length: > 0 } env) roots.Add(env);
        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".torch", "iopath_cache"));
        return roots;
    }
}
