using System.Reflection;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// Configs shipped inside this assembly (models/**/*.yaml as embedded resources). They are written to a private temp
/// folder with their relative layout so that <c>_BASE_</c> references resolve, then loaded by <see cref="RcnnConfig"/>.
/// </summary>
public static class ConfigPresets
{
    public const string Default = "R18-FPN-CPU";

    private static readonly Dictionary<string, string> Files = new(StringComparer.OrdinalIgnoreCase)
    {
        [Default] = "CPU/faster_rcnn_R_18_FPN_bccd.yaml",
        ["R18-FPN-CPU-Smoke"] = "CPU/faster_rcnn_R_18_FPN_cpu_smoke.yaml",
        ["R18-FPN-Pretrained"] = "CPU/faster_rcnn_R_18_FPN_pretrained.yaml",
        ["R18-FPN-Scratch"] = "CPU/faster_rcnn_R_18_FPN_cpu.yaml",
        ["R50-FPN-1x"] = "COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml",
        ["R50-FPN-3x"] = "COCO-Detection/faster_rcnn_R_50_FPN_3x.yaml",
        ["R101-FPN-3x"] = "COCO-Detection/faster_rcnn_R_101_FPN_3x.yaml",
        ["R50-C4-1x"] = "COCO-Detection/faster_rcnn_R_50_C4_1x.yaml",
    };

    private static readonly Lazy<string> Folder = new(Extract);

    public static IReadOnlyCollection<string> Names => Files.Keys;

    /// <summary>The preset's config (defaults + its YAML chain).</summary>
    public static RcnnConfig Load(string preset)
    {
        if (string.IsNullOrWhiteSpace(preset) || !Files.TryGetValue(preset, out var file))
            throw new ArgumentException($"Unknown preset '{preset}'; the presets are [{string.Join(", ", Names)}]. Set ConfigFile to use a YAML file instead.", nameof(preset));
        return RcnnConfig.FromFile(Path.Combine(Folder.Value, file));
    }

    /// <summary>The preset's YAML text as shipped.</summary>
    public static string Yaml(string preset)
    {
        if (!Files.TryGetValue(preset, out var file))
            throw new ArgumentException($"Unknown preset '{preset}'; the presets are [{string.Join(", ", Names)}].", nameof(preset));
        return File.ReadAllText(Path.Combine(Folder.Value, file));
    }

    private static string Extract()
    {
        var assembly = typeof(ConfigPresets).Assembly;
        // One folder per assembly version, so an upgraded library never reads an older copy.
        var version = assembly.ManifestModule.ModuleVersionId.ToString("N");
        var root = Path.Combine(Path.GetTempPath(), "rcnn-mlnet-presets", version);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("presets/", StringComparison.Ordinal)))
        {
            var relative = name["presets/".Length..].Replace('\\', '/');
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var source = assembly.GetManifestResourceStream(name)!;
            var bytes = new MemoryStream();
            source.CopyTo(bytes);
            // Another process may extract at the same time: write aside, then move into place.
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temp, bytes.ToArray());
            File.Move(temp, path, overwrite: true);
        }
        return root;
    }
}
