using System.Reflection;
using System.Text;

namespace Rcnn.Training.Config;

/// <summary>The key tree of <see cref="RcnnConfig"/>, read once by reflection: property names become detectron2's
/// UPPER_SNAKE keys (or the <see cref="ConfigKeyAttribute"/> spelling), section classes become mappings.</summary>
internal static class ConfigSchema
{
    private static readonly HashSet<Type> LeafTypes =
    [
        typeof(bool), typeof(int), typeof(double), typeof(double?), typeof(string),
        typeof(List<int>), typeof(List<double>), typeof(List<string>), typeof(List<bool>), typeof(List<List<double>>),
    ];

    public static ConfigKeyInfo Root { get; } = Build();

    /// <summary>Every key, sections included, by its dotted name.</summary>
    public static IReadOnlyDictionary<string, ConfigKeyInfo> ByKey { get; } = Flatten(Root);

    /// <summary>Leaves in declaration order.</summary>
    public static IReadOnlyList<ConfigKeyInfo> Leaves { get; } = ByKey.Values.Where(k => !k.IsSection).ToList();

    /// <summary>detectron2 sections this port leaves out; a key under one gets a clearer message than "unknown".</summary>
    public static readonly string[] UnsupportedSections =
    [
        "MODEL.RETINANET", "MODEL.SEM_SEG_HEAD", "MODEL.PANOPTIC_FPN", "MODEL.ROI_KEYPOINT_HEAD",
        "MODEL.ROI_BOX_CASCADE_HEAD", "TEST.EXPECTED_RESULTS", "FLOAT32_PRECISION", "GLOBAL",
    ];

    /// <summary>PascalCase to UPPER_SNAKE: an underscore goes before a capital that follows a lower-case letter or a digit
    /// (NmsThresh -> NMS_THRESH, Res2OutChannels -> RES2_OUT_CHANNELS, SmoothL1Beta -> SMOOTH_L1_BETA).</summary>
    public static string ToKey(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 8);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (i > 0 && char.IsUpper(c) && (char.IsLower(pascal[i - 1]) || char.IsDigit(pascal[i - 1]))) sb.Append('_');
            sb.Append(char.ToUpperInvariant(c));
        }
        return sb.ToString();
    }

    private static ConfigKeyInfo Build()
    {
        var root = new ConfigKeyInfo("", "", null, null, isSection: true);
        AddChildren(root, typeof(RcnnConfig));
        return root;
    }

    private static void AddChildren(ConfigKeyInfo parent, Type type)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            if (p.GetIndexParameters().Length > 0) continue;
            string name = p.GetCustomAttribute<ConfigKeyAttribute>()?.Key ?? ToKey(p.Name);
            string full = parent.FullKey.Length == 0 ? name : parent.FullKey + "." + name;
            bool section = !LeafTypes.Contains(p.PropertyType);
            if (section && (!p.PropertyType.IsClass || p.PropertyType.Namespace != typeof(ConfigSchema).Namespace))
                throw new InvalidOperationException($"Config property {type.Name}.{p.Name} has unsupported type {p.PropertyType}.");
            if (!section && p.SetMethod == null)
                throw new InvalidOperationException($"Config leaf {type.Name}.{p.Name} needs a setter.");
            var node = new ConfigKeyInfo(name, full, p, parent, section);
            parent.Children.Add(name, node);
            if (section) AddChildren(node, p.PropertyType);
        }
    }

    private static Dictionary<string, ConfigKeyInfo> Flatten(ConfigKeyInfo root)
    {
        var all = new Dictionary<string, ConfigKeyInfo>(StringComparer.Ordinal);
        void Walk(ConfigKeyInfo n)
        {
            foreach (var c in n.Children.Values)
            {
                all.Add(c.FullKey, c);
                Walk(c);
            }
        }
        Walk(root);
        return all;
    }
}
