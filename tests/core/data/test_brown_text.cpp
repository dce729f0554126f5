// Tests of data/brown_text: parsing `word/tag` lines and cleaning them into plain sentences.
// Every expected text below is written by hand from the cleaning rules in brown_text.h.
#include <gtest/gtest.h>

#include "data/brown_text.h"
#include "util/error.h"

using namespace warp;

namespace {

CleanSentence clean(const std::string& line) { return clean_sentence(parse_tagged_line(line, "test:1")); }

std::string clean_text(const std::string& line) { return clean(line).text; }

}  // namespace

TEST(BrownText, TokenSplitsAtLastSlash) {
  auto t = parse_tagged_token("and/or/cc", "x:1");
  EXPECT_EQ(t.word, "and/or");
  EXPECT_EQ(t.tag, "cc");
  t = parse_tagged_token("//in", "x:1");
  EXPECT_EQ(t.word, "/");
  EXPECT_EQ(t.tag, "in");
  t = parse_tagged_token("Atlanta's/np$", "x:1");
  EXPECT_EQ(t.word, "Atlanta's");
  EXPECT_EQ(t.tag, "np$");
  t = parse_tagged_token("don't/do*", "x:1");
  EXPECT_EQ(t.word, "don't");
  EXPECT_EQ(t.tag, "do*");
  t = parse_tagged_token("1/4''/nn", "x:1");
  EXPECT_EQ(t.word, "1/4''");
  EXPECT_EQ(t.tag, "nn");
}

TEST(BrownText, BadTokensNameThePlace) {
  auto expect_bad = [](const std::string& text, const std::string& where, const std::string& what) {
    try {
      parse_brown_text(text, "cz01");
      FAIL() << "no error for: " << text;
    } catch (const BadInput& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(where), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
  };
  expect_bad("\n\n\tThe/at jury/nn\n\n\tThe/at jury said/vbd\n", "cz01:5", "'jury' has no /tag");
  expect_bad("\tA/at b/\n", "cz01:1", "empty tag");
  expect_bad("\tA/at\n\t/nn b/nn\n", "cz01:2", "empty word");
}

TEST(BrownText, ParsesLinesWithAndWithoutTabs) {
  const std::string text =
      "\n\n\tThe/at jury/nn said/vbd ./.  \n\n\nMerger/nn-hl proposed/vbn-hl \r\n\n\tIt/pps rained/vbd ./.";
  auto sents = parse_brown_text(text, "cz01");
  ASSERT_EQ(sents.size(), 3u);
  EXPECT_EQ(sents[0].size(), 4u);
  EXPECT_EQ(sents[1].size(), 2u);
  EXPECT_EQ(sents[1][1].word, "proposed");
  EXPECT_EQ(sents[1][1].tag, "vbn-hl");
  EXPECT_EQ(sents[2].size(), 3u);
  EXPECT_TRUE(parse_brown_text("", "cz01").empty());
  EXPECT_TRUE(parse_brown_text("\n\t \n", "cz01").empty());
}

TEST(BrownText, DoubleQuotesAttachInward) {
  EXPECT_EQ(clean_text("\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at "
                       "investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` "
                       "no/at evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./."),
            "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election "
            "produced \"no evidence\" that any irregularities took place.");
  EXPECT_EQ(clean_text("\t``/`` Only/rb a/at relative/jj handful/nn ''/'' ,/, the/at jury/nn said/vbd ,/, ``/`` "
                       "considering/in the/at election/nn ''/'' ./."),
            "\"Only a relative handful\", the jury said, \"considering the election\".");
  EXPECT_EQ(clean_text("He/pps said/vbd :/: ``/`` Go/vb !/. ''/''"), "He said: \"Go!\"");
  EXPECT_EQ(clean_text("(/( ``/`` Yes/rb ''/'' )/)"), "(\"Yes\")");
}

TEST(BrownText, SingleQuotesPairUp) {
  EXPECT_EQ(clean_text("\t``/`` It's/pps+bez '/' See/vb Joe/np ,/, see/vb Jim/np '/' ''/'' ,/, he/pps says/vbz ./."),
            "\"It's 'See Joe, see Jim'\", he says.");
  EXPECT_EQ(clean_text("more/ap '/' pro/jj '/' letters/nns than/in '/' con/jj '/' on/in betting/nn"),
            "more 'pro' letters than 'con' on betting");
  // A quote left open by the sentence before closes here; one at the start opens.
  EXPECT_EQ(clean_text("were/bed kind/nn '/' ./."), "were kind'.");
  EXPECT_EQ(clean_text("'/' Tis/pps+bez true/jj"), "'Tis true");
}

TEST(BrownText, PunctuationSpacing) {
  EXPECT_EQ(clean_text("The/at rate/nn (/( 5/cd per/in cent/nn )/) rose/vbd ;/. prices/nns fell/vbd !/."),
            "The rate (5 per cent) rose; prices fell!");
  EXPECT_EQ(clean_text("Why/wrb ?/. Because/cs [/( see/vb below/rb ]/) ,/, it/pps is/bez ./."),
            "Why? Because [see below], it is.");
  EXPECT_EQ(clean_text("Wait/vb :/: one/cd ,/, two/cd ./."), "Wait: one, two.");
}

TEST(BrownText, ContractionsAttach) {
  // Brown keeps contractions in one token; split-off suffixes (Penn style) attach to the word before.
  EXPECT_EQ(clean_text("I/ppss don't/do* know/vb what/wdt John's/np$ doing/vbg ./."),
            "I don't know what John's doing.");
  EXPECT_EQ(clean_text("He/pps do/do n't/* know/vb what/wdt John/np 's/bez doing/vbg ./."),
            "He don't know what John's doing.");
  EXPECT_EQ(clean_text("We/ppss 're/ber sure/jj they/ppss 've/hv gone/vbn ,/, I/ppss 'm/bem told/vbn ;/. "
                       "DO/do N'T/* go/vb"),
            "We're sure they've gone, I'm told; DON'T go");
  // Elided words are words, not suffixes.
  EXPECT_EQ(clean_text("Let/vb 'em/ppo go/vb 'round/rb ./."), "Let 'em go 'round.");
}

TEST(BrownText, DashesSlashesAndCase) {
  EXPECT_EQ(clean_text("you'll/ppss+md think/vb ,/, you're/ppss+ber my/pp$ man/nn --/-- you're/ppss+ber the/at "
                       "kind/nn ./."),
            "you'll think, you're my man -- you're the kind.");
  EXPECT_EQ(clean_text("before/in /l//nn and/cc AAb//nn or/cc 1/2/cd mg/l/nn and/or/cc //in 3/8-inch/nn"),
            "before /l/ and AAb/ or 1/2 mg/l and/or / 3/8-inch");
  EXPECT_EQ(clean_text("THE/at-hl JURY/nn-hl SAID/vbd-hl it/pps did/dod not/* ./."), "THE JURY SAID it did not.");
  EXPECT_EQ(clean_text("Tom/np &/cc Jerry/np 1/4''/nn -/nil x/nn"), "Tom & Jerry 1/4'' - x");
}

TEST(BrownText, DoubledMarksAndAbbreviationPeriods) {
  EXPECT_EQ(clean_text("How/wrb effective/jj have/hv they/ppss been/ben ?/. ?/."), "How effective have they been?");
  EXPECT_EQ(clean_text("The/at answer/nn is/bez ,/, ``/`` Yes/rb ''/'' !/. !/."), "The answer is, \"Yes\"!");
  EXPECT_EQ(clean_text("it/ppo ;/. ;/."), "it;");
  EXPECT_EQ(clean_text("Conrad/np Wall/np 3/cd-tl ,/, ,/, son/nn"), "Conrad Wall 3, son");
  EXPECT_EQ(clean_text("won/vbn by/in Ivan/np Allen/np Jr./np ./."), "won by Ivan Allen Jr.");
  EXPECT_EQ(clean_text("books/nns ,/, etc./rb ./."), "books, etc.");
  // Different marks in a row are all kept; a lone "." after "--" is kept.
  EXPECT_EQ(clean_text("Really/rb ?/. !/."), "Really?!");
  EXPECT_EQ(clean_text("Wait/vb --/-- ./."), "Wait --.");
  const CleanSentence s = clean("Why/wrb ?/. ?/.");
  EXPECT_EQ(s.words, 1);
}

TEST(BrownText, StrayMarksJoinTheirSentence) {
  const std::string text =
      "''/'' ./.\n"  // closers on the first line: dropped
      "\t(/( Some/dti SEATO/nn nations/nns disagreed/vbd ./.\n"
      ")/)\n"  // closes the line before
      "He/pps said/vbd :/: ``/`` Not/* one/cd drop/nn !/. !/.\n"
      "''/'' (/( The/at Grafin/np agreed/vbd ./.\n"  // '' closes the line before
      "--/---hl\n"                                   // no word: dropped
      "``/``\n"                                      // opens the next line
      "It/pps was/bedz over/rb ./.\n"
      "''/''\n"
      "2/cd\n"  // a word: a sentence
      "(/(\n";  // an opener on the last line: dropped
  const auto lines = parse_brown_text(text, "cz01");
  ASSERT_EQ(lines.size(), 11u);
  const auto sents = clean_document(lines);
  std::vector<std::string> got;
  for (const auto& s : sents) got.push_back(s.text);
  EXPECT_EQ(got, (std::vector<std::string>{"(Some SEATO nations disagreed.)", "He said: \"Not one drop!\"",
                                           "(The Grafin agreed.", "\"It was over.\"", "2"}));
  EXPECT_EQ(sents[3].words, 3);
  EXPECT_EQ(sents[3].leading_words, 0);
  EXPECT_TRUE(clean_document({}).empty());
}

TEST(BrownText, SentenceFacts) {
  CleanSentence s = clean("The/at jury/nn said/vbd ,/, ``/`` these/dts two/cd ''/'' ./.");
  EXPECT_EQ(s.words, 5);
  EXPECT_EQ(s.leading_words, 2);  // "said" is glued to the comma
  EXPECT_FALSE(s.headline);

  s = clean("He/pps do/do n't/* know/vb");
  EXPECT_EQ(s.words, 4);
  EXPECT_EQ(s.leading_words, 1);  // "do" is glued to "n't"

  s = clean("``/`` Only/rb a/at handful/nn ''/''");
  EXPECT_EQ(s.words, 3);
  EXPECT_EQ(s.leading_words, 0);

  s = clean("It/pps rained/vbd all/abn day/nn");
  EXPECT_EQ(s.leading_words, 4);

  s = clean("Merger/nn-hl proposed/vbn-hl");
  EXPECT_TRUE(s.headline);
  s = clean("Atlanta/np-tl-hl mayor/nn-hl wins/vbz ./.-hl");
  EXPECT_TRUE(s.headline);  // 2 of 3 words
  s = clean("Atlanta/np-hl mayor/nn wins/vbz");
  EXPECT_FALSE(s.headline);  // 1 of 3
  s = clean("The/at high/jj-hlx road/nn");
  EXPECT_FALSE(s.headline);  // "-hlx" is not an "-hl" part

  EXPECT_TRUE(is_word_token("1/2"));
  EXPECT_TRUE(is_word_token("'em"));
  EXPECT_FALSE(is_word_token("--"));
  EXPECT_FALSE(is_word_token("``"));
  EXPECT_FALSE(is_word_token("''"));
  EXPECT_FALSE(is_word_token("."));
}
