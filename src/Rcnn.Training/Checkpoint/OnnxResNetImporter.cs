using System.Globalization;
using static TorchSharp.torch;

namespace Rcnn.Training.Checkpoint;

/// <summary>What <see cref="OnnxResNetImporter"/> read: the trunk's shape, its weights under
/// <see cref="Modeling.Backbones.ResNet"/>'s names (<c>stem.conv1.weight</c>, <c>res3.0.conv1.norm.running_var</c> ...),
/// the ONNX tensor each stage ends in, and notes on what was mapped with a condition or left out.</summary>
public sealed class OnnxResNetImport : IDisposable
{
    internal OnnxResNetImport(string source, string producer, ResNetArchitecture architecture, Dictionary<string, Tensor> weights,
        IReadOnlyDictionary<string, string> stageOutputs, IReadOnlyList<string> notes)
    {
        Source = source;
        Producer = producer;
        Architecture = architecture;
        Weights = weights;
        StageOutputs = stageOutputs;
        Notes = notes;
    }

    public string Source { get; }

    public string Producer { get; }

    public ResNetArchitecture Architecture { get; }

    /// <summary>The trunk's weights; BatchNorm statistics and affine parameters (or a folded conv bias) as the
    /// four FrozenBatchNorm2d buffers, so the imported layer computes what the graph's did.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    /// <summary>The ONNX tensor names of "stem" (after the max pool) and "res2".."res5" (each stage's last ReLU).</summary>
    public IReadOnlyDictionary<string, string> StageOutputs { get; }

    public IReadOnlyList<string> Notes { get; }

    public void Dispose()
    {
        foreach (var t in Weights.Values) t.Dispose();
    }
}

/// <summary>
/// Maps an ONNX ResNet-family classification graph (Conv, BatchNormalization, Relu, Add, MaxPool; anything after the
/// last residual block, such as pooling, Flatten and Gemm, is left out) onto <see cref="Modeling.Backbones.ResNet"/>:
/// the stem (7x7 stride-2 conv, norm, ReLU, 3x3 stride-2 max pool), then post-activation basic or bottleneck blocks,
/// a new stage at each projection shortcut. It follows the data flow, not node names, so graphs written by CNTK
/// (ML.NET's ResNet18.onnx) and by <c>torch.onnx.export</c> (BatchNorm folded into conv biases) both map. A node the
/// trunk cannot express is an error that names it.
/// </summary>
public static class OnnxResNetImporter
{
    private static readonly HashSet<string> HeadOps =
    [
        "GlobalAveragePool", "AveragePool", "ReduceMean", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Gemm", "MatMul", "Add",
        "Softmax", "Identity", "Shape", "Gather", "Concat", "Constant", "Dropout",
    ];

    public static OnnxResNetImport Read(string path) => Import(OnnxModelFile.Read(path));

    public static OnnxResNetImport Import(OnnxModelFile model)
    {
        var graph = new Graph(model);
        var weights = new Dictionary<string, Tensor>();
        try
        {
            return graph.Walk(weights);
        }
        catch
        {
            foreach (var t in weights.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>A conv with its norm folded: the conv node, the BatchNormalization after it (if any), and the tensor
    /// the pair outputs.</summary>
    private sealed record ConvUnit(OnnxNode Conv, OnnxNode? Norm, string Output)
    {
        public int Stride => (int)(Conv.Ints("strides")?.FirstOrDefault() ?? 1);
        public int Dilation => (int)(Conv.Ints("dilations")?.FirstOrDefault() ?? 1);
        public int Groups => (int)Conv.Int("group", 1);
    }

    private sealed class Graph
    {
        private readonly OnnxModelFile model;
        private readonly Dictionary<string, List<OnnxNode>> consumers = new();
        private readonly List<string> notes = new();

        public Graph(OnnxModelFile model)
        {
            this.model = model;
            foreach (var node in model.Nodes)
                foreach (var input in node.Inputs.Where(i => i.Length > 0))
                {
                    if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = new List<OnnxNode>();
                    list.Add(node);
                }
        }

        private IReadOnlyList<OnnxNode> Consumers(string tensor) => consumers.TryGetValue(tensor, out var list) ? list : [];

        private InvalidDataException Error(OnnxNode node, string why) =>
            new($"{model.Source}: {node.Label} cannot be mapped onto a ResNet trunk: {why}");

        private OnnxNode Single(string tensor, string after, params string[] ops)
        {
            var next = Consumers(tensor);
            if (next.Count != 1)
                throw new InvalidDataException($"{model.Source}: the output of {after} feeds {next.Count} nodes " +
                    $"({string.Join(", ", next.Select(n => n.Label))}); a ResNet trunk feeds one {string.Join(" or ", ops)} there.");
            if (!ops.Contains(next[0].OpType)) throw Error(next[0], $"after {after} the trunk has {string.Join(" or ", ops)}.");
            return next[0];
        }

        public OnnxResNetImport Walk(Dictionary<string, Tensor> weights)
        {
            if (model.Inputs.Count != 1)
                throw new InvalidDataException($"{model.Source}: a ResNet graph has one image input, this one has {model.Inputs.Count} " +
                    $"({string.Join(", ", model.Inputs.Select(i => i.Name))}).");
            string x = model.Inputs[0].Name;
            var stageOutputs = new Dictionary<string, string>();

            // Stem: conv (7x7, stride 2, pad 3), norm, ReLU, max pool (3x3, stride 2, pad 1).
            var stem = Unit(Single(x, $"the input '{x}'", "Conv"));
            CheckConv(stem, kernel: 7, stride: 2, pad: 3);
            var relu = Single(stem.Output, stem.Conv.Label, "Relu");
            var pool = Single(relu.Outputs[0], relu.Label, "MaxPool");
            CheckWindow(pool, kernel: 3, stride: 2, pad: 1);
            var stemWeight = Initializer(stem.Conv, 1);
            int inChannels = (int)stemWeight.Dims[1], stemOut = (int)stemWeight.Dims[0];
            Put(weights, "stem.conv1", stem);
            x = pool.Outputs[0];
            stageOutputs["stem"] = x;

            var stages = new List<List<(ConvUnit[] Main, ConvUnit? Shortcut, string Output)>>();
            int channels = stemOut;
            bool? bottleneck = null;
            while (true)
            {
                var next = Consumers(x);
                var convs = next.Where(n => n.OpType == "Conv").ToList();
                if (convs.Count == 0)
                {
                    if (stages.Count == 0) throw new InvalidDataException($"{model.Source}: no residual block follows the stem.");
                    var other = next.FirstOrDefault(n => !HeadOps.Contains(n.OpType));
                    if (other is not null) throw Error(other, "it follows the last residual block, where only pooling and a classifier may.");
                    NoteHead(x);
                    break;
                }
                var block = Block(x, convs, next);
                bool isBottleneck = block.Main.Length == 3;
                if (bottleneck is bool b && b != isBottleneck)
                    throw Error(block.Main[0].Conv, $"a {(isBottleneck ? "bottleneck" : "basic")} block follows {(b ? "bottleneck" : "basic")} blocks.");
                bottleneck = isBottleneck;
                int inCh = (int)Initializer(block.Main[0].Conv, 1).Dims[1] * block.Main[0].Groups;
                if (inCh != channels) throw Error(block.Main[0].Conv, $"it takes {inCh} channels where the trunk has {channels}.");
                if (stages.Count == 0 || block.Shortcut is not null)
                {
                    if (stages.Count == 4) throw Error(block.Main[0].Conv, "it starts a fifth stage; a ResNet trunk has res2..res5.");
                    stages.Add(new());
                }
                stages[^1].Add(block);
                channels = (int)Initializer(block.Main[^1].Conv, 1).Dims[0];
                x = block.Output;
                stageOutputs[$"res{stages.Count + 1}"] = x;
            }

            var architecture = Architecture(stages, bottleneck!.Value, inChannels, stemOut);
            for (int s = 0; s < stages.Count; s++)
                for (int i = 0; i < stages[s].Count; i++)
                {
                    var (main, shortcut, _) = stages[s][i];
                    string prefix = $"res{s + 2}.{i}";
                    for (int k = 0; k < main.Length; k++) Put(weights, $"{prefix}.conv{k + 1}", main[k]);
                    if (shortcut is not null) Put(weights, $"{prefix}.shortcut", shortcut);
                }
            return new OnnxResNetImport(model.Source, model.Producer, architecture, weights, stageOutputs, notes);
        }

        /// <summary>One residual block from its input: the main path's 2 (basic) or 3 (bottleneck) convs, each but the
        /// last followed by ReLU, the projection shortcut (or none: identity), the Add and the ReLU after it.</summary>
        private (ConvUnit[] Main, ConvUnit? Shortcut, string Output) Block(string x, List<OnnxNode> convs, IReadOnlyList<OnnxNode> next)
        {
            var units = convs.Select(Unit).ToList();
            var toAdd = units.Where(u => Consumers(u.Output) is [{ OpType: "Add" }]).ToList();
            ConvUnit? shortcut = units.Count == 2 && toAdd.Count == 1 ? toAdd[0] : null;
            if (units.Count > 2 || (units.Count == 2 && shortcut is null))
                throw Error(convs[0], $"the block input feeds {units.Count} convolutions; a residual block has a main path and at most one projection.");
            var first = units.Single(u => u != shortcut);
            var main = new List<ConvUnit> { first };
            OnnxNode add;
            while (true)
            {
                var after = Single(main[^1].Output, main[^1].Conv.Label, "Relu", "Add");
                if (after.OpType == "Add")
                {
                    add = after;
                    break;
                }
                if (main.Count == 3) throw Error(after, "a residual block's main path has at most 3 convolutions.");
                main.Add(Unit(Single(after.Outputs[0], after.Label, "Conv")));
            }
            if (main.Count < 2) throw Error(add, "a residual block's main path has 2 or 3 convolutions.");
            string other = shortcut?.Output ?? x;
            if (add.Inputs.Count != 2 || !add.Inputs.Contains(main[^1].Output) || !add.Inputs.Contains(other))
                throw Error(add, $"it does not add the block's main path to its {(shortcut is null ? "input" : "shortcut")}.");
            if (shortcut is null && !next.Contains(add))
                throw Error(add, "the block has no projection, so its input must feed the Add.");
            if (next.FirstOrDefault(n => !convs.Contains(n) && n != add) is { } stray)
                throw Error(stray, "it reads a residual block's input, which only the block's convolutions and Add do.");
            if (shortcut is not null && Consumers(shortcut.Output)[0] != add)
                throw Error(shortcut.Conv, "the projection feeds another Add than the main path's.");
            var relu = Single(add.Outputs[0], add.Label, "Relu");
            CheckBlock(main, shortcut);
            return (main.ToArray(), shortcut, relu.Outputs[0]);
        }

        private void CheckBlock(List<ConvUnit> main, ConvUnit? shortcut)
        {
            int stride = main.Aggregate(1, (s, u) => s * u.Stride);
            if (main.Count == 2)
            {
                CheckConv(main[0], kernel: 3, stride: stride, pad: 1);
                CheckConv(main[1], kernel: 3, stride: 1, pad: 1);
            }
            else
            {
                if (main[0].Stride != 1 && main[1].Stride != 1) throw Error(main[1].Conv, "both the 1x1 and the 3x3 conv of a bottleneck stride.");
                CheckConv(main[0], kernel: 1, stride: main[0].Stride, pad: 0);
                CheckConv(main[1], kernel: 3, stride: main[1].Stride, pad: main[1].Dilation);
                CheckConv(main[2], kernel: 1, stride: 1, pad: 0);
            }
            // Only a bottleneck's 3x3 conv may be grouped (ResNeXt).
            foreach (var u in main.Append(shortcut).OfType<ConvUnit>().Where(u => u.Groups != 1 && !(main.Count == 3 && u == main[1])))
                throw Error(u.Conv, $"group {u.Groups}: only a bottleneck's 3x3 conv is grouped.");
            if (main.Count == 3 && main[0].Dilation != 1) throw Error(main[0].Conv, "only the 3x3 conv of a bottleneck is dilated.");
            if (shortcut is not null) CheckConv(shortcut, kernel: 1, stride: stride, pad: 0);
            else if (stride != 1) throw Error(main[0].Conv, "it strides, but the block has no projection shortcut.");
        }

        private ResNetArchitecture Architecture(List<List<(ConvUnit[] Main, ConvUnit? Shortcut, string Output)>> stages, bool bottleneck,
            int inChannels, int stemOut)
        {
            int res2Out = (int)Initializer(stages[0][0].Main[^1].Conv, 1).Dims[0];
            int width2 = (int)Initializer(stages[0][0].Main[0].Conv, 1).Dims[0];
            int groups = stages[0][0].Main[bottleneck ? 1 : 0].Groups;
            bool strideIn1x1 = true;
            int res5Dilation = 1;
            for (int s = 0; s < stages.Count; s++)
            {
                var (main, _, _) = stages[s][0];
                int stride = main.Aggregate(1, (p, u) => p * u.Stride), dilation = bottleneck ? main[1].Dilation : 1;
                bool dilated = s == 3 && dilation == 2 && stride == 1;
                int expectStride = s == 0 || dilated ? 1 : 2;
                if (stride != expectStride)
                    throw Error(main[0].Conv, $"res{s + 2} starts with stride {stride}; a ResNet's res2 has stride 1 and res3..res5 stride 2 (res5 1 when dilated).");
                if (dilated) res5Dilation = 2;
                else if (dilation != 1) throw Error(main[1].Conv, $"dilation {dilation}; only res5 may be dilated (by 2, with stride 1).");
                if (stride == 2 && bottleneck) strideIn1x1 = main[0].Stride == 2;
                foreach (var (blockMain, _, _) in stages[s])
                {
                    int outCh = (int)Initializer(blockMain[^1].Conv, 1).Dims[0];
                    if (outCh != res2Out << s)
                        throw Error(blockMain[^1].Conv, $"res{s + 2} outputs {outCh} channels; a ResNet doubles res2's {res2Out} at each stage ({res2Out << s}).");
                    if (bottleneck)
                    {
                        int width = (int)Initializer(blockMain[0].Conv, 1).Dims[0];
                        if (width != width2 << s || blockMain[1].Groups != groups)
                            throw Error(blockMain[0].Conv, $"res{s + 2}'s bottleneck is {width} wide in {blockMain[1].Groups} groups; res2's is {width2} in {groups}, doubling per stage.");
                    }
                }
                if (s > 0 && stages[s].Skip(1).Any(b => b.Main.Aggregate(1, (p, u) => p * u.Stride) != 1))
                    throw Error(stages[s][1].Main[0].Conv, "only the first block of a stage strides.");
            }
            return new ResNetArchitecture(bottleneck, stages.Select(s => s.Count).ToArray(), inChannels, stemOut, res2Out,
                groups, bottleneck ? width2 / groups : 64, strideIn1x1, res5Dilation);
        }

        private ConvUnit Unit(OnnxNode conv)
        {
            if (conv.OpType != "Conv") throw Error(conv, "a Conv was expected here.");
            if (conv.Inputs.Count < 2 || !model.Initializers.ContainsKey(conv.Inputs[1]))
                throw Error(conv, "its weight is not a constant initializer.");
            var w = Initializer(conv, 1);
            if (w.Dims.Length != 4 || w.Dims[2] != w.Dims[3]) throw Error(conv, $"weight of shape [{string.Join(", ", w.Dims)}]; a square 2-D kernel was expected.");
            var after = Consumers(conv.Outputs[0]);
            if (after is [{ OpType: "BatchNormalization" } bn])
            {
                if (bn.Inputs.Count < 5 || bn.Inputs.Skip(1).Take(4).Any(i => !model.Initializers.ContainsKey(i)))
                    throw Error(bn, "its scale, bias, mean and variance are not all constant initializers.");
                if (bn.Int("training_mode", 0) != 0) throw Error(bn, "it runs in training mode.");
                return new ConvUnit(conv, bn, bn.Outputs[0]);
            }
            return new ConvUnit(conv, null, conv.Outputs[0]);
        }

        private OnnxTensor Initializer(OnnxNode node, int input)
        {
            if (input >= node.Inputs.Count || !model.Initializers.TryGetValue(node.Inputs[input], out var t))
                throw Error(node, $"input {input} is not a constant initializer.");
            if (t.Values.Length == 0 && t.Dims.Aggregate(1L, (a, d) => a * d) > 0) throw Error(node, $"initializer '{t.Name}' is not float data.");
            return t;
        }

        private void CheckConv(ConvUnit u, int kernel, int stride, int pad)
        {
            var w = Initializer(u.Conv, 1);
            if (w.Dims[2] != kernel) throw Error(u.Conv, $"a {w.Dims[2]}x{w.Dims[3]} kernel where the trunk has {kernel}x{kernel}.");
            CheckWindow(u.Conv, kernel, stride, pad);
        }

        /// <summary>
        /// Kernel, strides and pads of a Conv or MaxPool against the trunk's layer (symmetric padding
        /// <paramref name="pad"/>). ONNX pads are [begin_h, begin_w, end_h, end_w]; an end one less than the begin, as
        /// CNTK writes for stride 2, gives the same windows and output size as symmetric padding on even input sizes
        /// (always the case in a detector, whose images are padded to a multiple of 32), so it is accepted and noted.
        /// </summary>
        private void CheckWindow(OnnxNode node, int kernel, int stride, int pad)
        {
            var k = node.Ints("kernel_shape");
            if (k is not null && k.Any(v => v != kernel)) throw Error(node, $"kernel [{string.Join(", ", k)}] where the trunk has {kernel}x{kernel}.");
            var s = node.Ints("strides") ?? [1, 1];
            if (s.Count != 2 || s.Any(v => v != stride)) throw Error(node, $"strides [{string.Join(", ", s)}] where the trunk has {stride}.");
            string autoPad = node.String("auto_pad") ?? "NOTSET";
            if (autoPad is not ("NOTSET" or "" or "VALID") || (autoPad == "VALID" && pad != 0))
                throw Error(node, $"auto_pad {autoPad}; explicit pads of {pad} were expected.");
            if (node.Int("ceil_mode", 0) != 0) throw Error(node, "ceil_mode 1 changes the output size.");
            var d = node.Ints("dilations");
            if (node.OpType == "MaxPool" && d is not null && d.Any(v => v != 1)) throw Error(node, "a dilated max pool.");
            var p = node.Ints("pads") ?? [0, 0, 0, 0];
            if (p.Count != 4 || p[0] != pad || p[1] != pad) throw Error(node, $"pads [{string.Join(", ", p)}] where the trunk pads {pad} on each side.");
            for (int i = 2; i < 4; i++)
            {
                if (p[i] == pad) continue;
                if (p[i] == pad - 1 && stride == 2)
                {
                    notes.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{node.Label} pads [{string.Join(", ", p)}]: equal to symmetric padding {pad} on even input sizes"));
                    break;
                }
                throw Error(node, $"pads [{string.Join(", ", p)}]: an end pad of {p[i]} does not match the trunk's symmetric {pad}.");
            }
        }

        /// <summary>Writes a conv's weight and its norm as FrozenBatchNorm2d buffers: BatchNorm statistics with the graph's
        /// epsilon moved into the variance (FrozenBatchNorm2d adds its own), a conv bias into the mean, or, without a
        /// norm, an identity scale that adds the conv bias.</summary>
        private void Put(Dictionary<string, Tensor> weights, string prefix, ConvUnit u)
        {
            var w = Initializer(u.Conv, 1);
            int outCh = (int)w.Dims[0];
            weights[prefix + ".weight"] = tensor(w.Values, w.Dims);
            float[] convBias = u.Conv.Inputs.Count > 2 && u.Conv.Inputs[2].Length > 0 ? Initializer(u.Conv, 2).Values : new float[outCh];
            float[] scale, shift, mean, variance;
            const double ourEps = 1e-5;   // FrozenBatchNorm2d's (and BatchNorm2d's) epsilon
            if (u.Norm is { } bn)
            {
                scale = Initializer(bn, 1).Values;
                shift = Initializer(bn, 2).Values;
                var m = Initializer(bn, 3).Values;
                var v = Initializer(bn, 4).Values;
                if (new[] { scale, shift, m, v }.Any(a => a.Length != outCh)) throw Error(bn, $"its parameters do not have the conv's {outCh} channels.");
                double eps = bn.Float("epsilon", 1e-5f);
                mean = m.Select((x, i) => x - convBias[i]).ToArray();
                variance = v.Select(x => (float)(x + eps - ourEps)).ToArray();
            }
            else
            {
                scale = Enumerable.Repeat(1f, outCh).ToArray();
                shift = convBias;
                mean = new float[outCh];
                variance = Enumerable.Repeat((float)(1 - ourEps), outCh).ToArray();
            }
            weights[prefix + ".norm.weight"] = tensor(scale);
            weights[prefix + ".norm.bias"] = tensor(shift);
            weights[prefix + ".norm.running_mean"] = tensor(mean);
            weights[prefix + ".norm.running_var"] = tensor(variance);
        }

        private void NoteHead(string trunkOutput)
        {
            var seen = new HashSet<OnnxNode>();
            var queue = new Queue<string>([trunkOutput]);
            while (queue.Count > 0)
                foreach (var n in Consumers(queue.Dequeue()))
                    if (seen.Add(n))
                        foreach (var o in n.Outputs) queue.Enqueue(o);
            if (seen.Count > 0)
                notes.Add($"left out after the last block: {string.Join(", ", seen.OrderBy(n => n.Index).Select(n => n.OpType))}");
        }
    }
}
