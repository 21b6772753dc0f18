namespace Rcnn.Training.Engine;

/// <summary>Scalars recorded per iteration (detectron2's <c>EventStorage</c>): full history per name, the latest
/// value, and a median over a recent window for smoothed console output.</summary>
public sealed class MetricsStorage
{
    private readonly Dictionary<string, List<(int Iteration, double Value)>> history = new();
    private readonly Dictionary<string, double> latest = new();

    public int Iteration { get; set; }

    public void Put(string name, double value)
    {
        if (!history.TryGetValue(name, out var list)) history[name] = list = new List<(int, double)>();
        list.Add((Iteration, value));
        latest[name] = value;
    }

    public IReadOnlyDictionary<string, double> Latest => latest;

    public IReadOnlyList<(int Iteration, double Value)> History(string name) =>
        history.TryGetValue(name, out var list) ? list : Array.Empty<(int, double)>();

    public IEnumerable<string> Names => history.Keys;

    /// <summary>Median of the last <paramref name="window"/> values of <paramref name="name"/>.</summary>
    public double Median(string name, int window = 20)
    {
        var values = History(name).TakeLast(window).Select(v => v.Value).OrderBy(v => v).ToList();
        if (values.Count == 0) return double.NaN;
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /// <summary>Records only the values of the current iteration (for the JSON lines writer).</summary>
    public Dictionary<string, double> CurrentValues() =>
        history.Where(h => h.Value.Count > 0 && h.Value[^1].Iteration == Iteration).ToDictionary(h => h.Key, h => h.Value[^1].Value);
}
