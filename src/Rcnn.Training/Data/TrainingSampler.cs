namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's TrainingSampler: an endless stream of dataset indices, one seeded random permutation after another
/// (or 0..N-1 repeated when not shuffling). The same seed gives the same stream.
/// </summary>
public sealed class TrainingSampler(int size, int seed, bool shuffle = true) : IEnumerable<int>
{
    public int Size { get; } = size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size), size, "The dataset is empty.");

    public IEnumerator<int> GetEnumerator()
    {
        var rng = new Random(seed);
        var order = Enumerable.Range(0, Size).ToArray();
        while (true)
        {
            if (shuffle)
            {
                for (int i = 0; i < Size; i++) order[i] = i;
                rng.Shuffle(order);
            }
            foreach (int i in order) yield return i;
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
