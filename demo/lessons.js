// Lingua Kids content: a few Spanish words for young learners. Plain data, no logic.
// Lesson ids are stable: they travel in `lesson_start` / `lesson_complete` events as `lessonId`.

/** @typedef {{ es: string, en: string, emoji: string }} Word */
/** @typedef {{ id: string, title: string, minutes: number, words: Word[] }} Lesson */
/** @typedef {{ prompt: string, answer: string, wrong: [string, string], hint: string }} Question */

/** @type {Lesson[]} */
export const LESSONS = [
  {
    id: 'colours',
    title: 'Colours',
    minutes: 5,
    words: [
      { es: 'rojo', en: 'red', emoji: '🟥' },
      { es: 'azul', en: 'blue', emoji: '🟦' },
      { es: 'verde', en: 'green', emoji: '🟩' },
      { es: 'amarillo', en: 'yellow', emoji: '🟨' },
    ],
  },
  {
    id: 'animals',
    title: 'Animals',
    minutes: 6,
    words: [
      { es: 'perro', en: 'dog', emoji: '🐶' },
      { es: 'gato', en: 'cat', emoji: '🐱' },
      { es: 'pájaro', en: 'bird', emoji: '🐦' },
      { es: 'pez', en: 'fish', emoji: '🐟' },
    ],
  },
  {
    id: 'numbers',
    title: 'Numbers',
    minutes: 4,
    words: [
      { es: 'uno', en: 'one', emoji: '1️⃣' },
      { es: 'dos', en: 'two', emoji: '2️⃣' },
      { es: 'tres', en: 'three', emoji: '3️⃣' },
      { es: 'cuatro', en: 'four', emoji: '4️⃣' },
    ],
  },
  {
    id: 'food',
    title: 'Food',
    minutes: 5,
    words: [
      { es: 'manzana', en: 'apple', emoji: '🍎' },
      { es: 'pan', en: 'bread', emoji: '🍞' },
      { es: 'leche', en: 'milk', emoji: '🥛' },
      { es: 'queso', en: 'cheese', emoji: '🧀' },
    ],
  },
  {
    id: 'greetings',
    title: 'Greetings',
    minutes: 7,
    words: [
      { es: 'hola', en: 'hello', emoji: '👋' },
      { es: 'adiós', en: 'goodbye', emoji: '🚪' },
      { es: 'gracias', en: 'thank you', emoji: '🙏' },
      { es: 'por favor', en: 'please', emoji: '🤲' },
    ],
  },
];

/** @type {Question[]} */
export const QUIZ = [
  { prompt: 'What does “perro” mean?', answer: 'dog', wrong: ['cat', 'fish'], hint: 'It says “woof”.' },
  {
    prompt: 'What does “azul” mean?',
    answer: 'blue',
    wrong: ['red', 'green'],
    hint: 'The colour of the sky.',
  },
  { prompt: 'What does “tres” mean?', answer: 'three', wrong: ['two', 'four'], hint: 'One more than “dos”.' },
  {
    prompt: 'What does “manzana” mean?',
    answer: 'apple',
    wrong: ['bread', 'cheese'],
    hint: 'A fruit that can be red or green.',
  },
  {
    prompt: 'What does “hola” mean?',
    answer: 'hello',
    wrong: ['goodbye', 'please'],
    hint: 'What you say when you arrive.',
  },
  { prompt: 'What does “gato” mean?', answer: 'cat', wrong: ['bird', 'dog'], hint: 'It says “miau”.' },
  { prompt: 'What does “leche” mean?', answer: 'milk', wrong: ['cheese', 'apple'], hint: 'A white drink.' },
  {
    prompt: 'What does “gracias” mean?',
    answer: 'thank you',
    wrong: ['hello', 'please'],
    hint: 'What you say when you get a present.',
  },
];

/** Every word of every lesson, in lesson order: the flashcard deck. */
export const CARDS = LESSONS.flatMap((l) => l.words);
